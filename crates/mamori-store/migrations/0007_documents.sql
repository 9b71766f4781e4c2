-- The basic policy, the security handbook and the security regulations: the parameters the
-- owner entered, each document's working draft (the owner's edits and its approval), the
-- immutable issued versions, the public page of the policy, and who has read which handbook
-- version. Times are Unix seconds; JSON is stored as text.

-- Company parameters (representative, roles, retention periods …) as a JSON object of
-- strings, shared by the three documents.
CREATE TABLE document_params (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    params TEXT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT NOT NULL
);

-- One working draft per organisation and document: its language and the owner's edits
-- (JSON by section id). Any change to the draft or to the parameters clears the approval.
CREATE TABLE document_drafts (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    edits TEXT NOT NULL,
    approved_by TEXT,
    approved_by_name TEXT,
    approved_at BIGINT,
    updated_by TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- Issued versions. Rows are only ever inserted; `content` is the JSON of the whole generated
-- document and `sha256` its hex SHA-256, so a printed copy can be matched to the archive.
CREATE TABLE document_versions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    lang TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    approved_by_name TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    issued_by TEXT,
    issued_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX document_versions_number ON document_versions (org_id, kind, version);

-- The public page of the basic policy at /public/{slug}/policy. It always shows the latest
-- issued policy while `withdrawn_at` is NULL; the slug stays reserved after withdrawal so
-- the address is stable when the company publishes again.
CREATE TABLE policy_publications (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    slug TEXT NOT NULL UNIQUE,
    published_by TEXT,
    published_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);

-- Employees without a mamori account who must read the handbook (a plain name list).
CREATE TABLE handbook_readers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX handbook_readers_by_org ON handbook_readers (org_id);

-- Who confirmed reading which handbook version. `reader_key` is `user:<id>` for accounts and
-- `name:<id>` for the name list.
CREATE TABLE handbook_acknowledgements (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    version_id TEXT NOT NULL REFERENCES document_versions (id),
    reader_key TEXT NOT NULL,
    reader_name TEXT NOT NULL,
    acknowledged_at BIGINT NOT NULL,
    recorded_by TEXT,
    PRIMARY KEY (version_id, reader_key)
);
