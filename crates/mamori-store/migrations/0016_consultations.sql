-- Consultations (相談): a client company asks the provider's desk in its own words, and the
-- two sides write back and forth until it is settled. `first_response_at` is when the desk
-- first answered, so the desk's response-time targets can be checked.
CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    urgency TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    assignee_id TEXT,
    incident_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT
);
CREATE INDEX consultations_by_org ON consultations (org_id, created_at);
CREATE INDEX consultations_by_status ON consultations (status, created_at);

CREATE TABLE consultation_messages (
    id TEXT PRIMARY KEY,
    consultation_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    from_desk INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX consultation_messages_by_consultation ON consultation_messages (consultation_id, at);
