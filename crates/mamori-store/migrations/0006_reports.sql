-- Monthly security reports: the roll-up of refused traffic they describe, the immutable
-- archive of every generated version, each organisation's delivery settings, the jobs the
-- monthly schedule creates, and the expiring download links sent by e-mail.
-- Times are Unix seconds. `BYTEA` is PostgreSQL's binary type; SQLite stores the same values
-- as blobs under that name.

-- Refused connections per day (JST, like event_rollups): the most frequent sender addresses
-- (`kind` 'src') and targeted ports (`kind` 'port') among denied and dropped events.
CREATE TABLE blocked_rollups (
    org_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, kind, value)
);

-- Every generated report. Rows are only ever inserted: regenerating a month adds the next
-- `version`. `org_id` is NULL for the provider's overview across all organisations.
-- `data` is the JSON of the figures the report shows; `sha256` is over `pdf`, then `html`
-- (hex of SHA-256 of the PDF bytes followed by the HTML bytes), so any change is visible.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    kind TEXT NOT NULL,
    month TEXT NOT NULL,
    version BIGINT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,
    headline TEXT NOT NULL,
    data TEXT NOT NULL,
    html TEXT NOT NULL,
    pdf BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    trigger TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reports_version ON reports (kind, org_id, month, version);
CREATE INDEX reports_by_org ON reports (org_id, month);

-- Who receives an organisation's monthly report, in which language, and how: the PDF
-- attached ('attachment') or a download link that expires ('link').
CREATE TABLE report_settings (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    recipients TEXT NOT NULL,
    lang TEXT NOT NULL,
    delivery TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One job per organisation and month, created by the monthly schedule: generate, archive,
-- then e-mail. `status` is 'pending' (to generate), 'sending' (generated, to e-mail),
-- 'delivered', 'no_recipients' or 'failed' (gave up; `last_error` says why).
CREATE TABLE report_jobs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    month TEXT NOT NULL,
    status TEXT NOT NULL,
    report_id TEXT,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    response TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_jobs_one_per_month ON report_jobs (org_id, month);
CREATE INDEX report_jobs_due ON report_jobs (status, next_attempt_at);

-- Download links sent instead of attachments: only the SHA-256 of the token is kept.
CREATE TABLE report_links (
    token_hash TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
