-- Endpoint agents. An organisation makes an enrolment token (only its digest is kept) and
-- installs the agent on its PCs and servers with it; each enrolled agent gets a monitored
-- source of its own (whose token it ships logs and heartbeats with) and a device in the
-- inventory, and keeps its latest posture report here.
CREATE TABLE enrolment_tokens (
    token_hash TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX enrolment_tokens_by_org ON enrolment_tokens (org_id);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    source_id TEXT NOT NULL UNIQUE REFERENCES sources (id),
    device_id TEXT NOT NULL,
    hostname TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    posture TEXT,
    posture_at BIGINT
);
CREATE INDEX agents_by_org ON agents (org_id);
