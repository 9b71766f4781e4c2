-- Alerts: what people act on. The alerting stage reads detections not yet alerted
-- (`detections.alerted = 0`), groups repeats of the same rule and group into one alert
-- with a count, and queues notifications, all in one transaction, so a restart neither
-- loses nor repeats an alert. Times ending in `_us` are microseconds like events.ts_us;
-- other times are Unix seconds.
ALTER TABLE detections ADD COLUMN alerted BIGINT NOT NULL DEFAULT 0;
CREATE INDEX detections_not_alerted ON detections (created_at) WHERE alerted = 0;

-- `group_key` is what repeats share (rule, source and correlation group-by values);
-- `severity_rank` orders the queue (4 critical … 0 info).
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    group_key TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    title_ja TEXT,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    source_id TEXT,
    assignee_id TEXT,
    incident_id TEXT,
    count BIGINT NOT NULL,
    first_seen_us BIGINT NOT NULL,
    last_seen_us BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX alerts_by_org_status ON alerts (org_id, status, severity_rank);
CREATE INDEX alerts_by_key ON alerts (org_id, group_key, last_seen_us);
CREATE INDEX alerts_by_status ON alerts (status, severity_rank, created_at);

CREATE TABLE alert_detections (
    alert_id TEXT NOT NULL,
    detection_id TEXT NOT NULL,
    PRIMARY KEY (alert_id, detection_id)
);

-- Everything that happened to an alert, newest last: created, repeated, acknowledged,
-- assigned, commented, resolved, reopened, escalated, suppressed, notified.
CREATE TABLE alert_history (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_user_id TEXT,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX alert_history_by_alert ON alert_history (alert_id, at);

-- A minimal incident record that alerts are escalated into.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX incidents_by_org ON incidents (org_id, created_at);

CREATE TABLE incident_timeline (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, at);

-- Per-organisation suppressions, each kept as the Sigma filter it stands for: detections
-- of `rule_id` whose `field` equals `value` (any value when `field` is NULL) raise no
-- alert until `expires_at` (never when NULL) or until revoked. The detections themselves
-- are still stored, so nothing is lost.
CREATE TABLE suppressions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    field TEXT,
    value TEXT,
    reason TEXT NOT NULL,
    alert_id TEXT,
    expires_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_by TEXT,
    revoked_at BIGINT,
    hits BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX suppressions_by_org ON suppressions (org_id, rule_id);

-- Notification channels: of one organisation, or of the provider (org_id NULL) for every
-- organisation. `config` is the channel as JSON (kind, addresses or URL, secret).
-- Quiet hours are minutes after midnight in the provider's time zone; critical alerts
-- ignore them. `digest` sends low and info alerts once a day instead of one by one.
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    quiet_start BIGINT,
    quiet_end BIGINT,
    digest BIGINT NOT NULL DEFAULT 0,
    lang TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    last_ok_at BIGINT,
    last_error_at BIGINT,
    last_error TEXT,
    last_digest_at BIGINT
);
CREATE INDEX channels_by_org ON channels (org_id);

-- The delivery queue: one row per notice per channel, retried with back-off until it is
-- delivered or gives up. `next_attempt_ms` is in milliseconds so the queue reacts quickly.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    org_id TEXT,
    alert_id TEXT,
    kind TEXT NOT NULL,
    notice TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_ms);
CREATE INDEX deliveries_by_channel ON deliveries (channel_id, created_at);

-- Every attempt with the server's answer or the exact error.
CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at);
