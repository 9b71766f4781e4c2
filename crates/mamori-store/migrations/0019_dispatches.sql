-- On-site dispatches (駆け付け): an engineer sent to the client's premises for an incident,
-- from the request to the result. Times are Unix seconds; those not yet known are NULL.
CREATE TABLE dispatches (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    promised_at BIGINT,
    engineer TEXT NOT NULL,
    arrived_at BIGINT,
    left_at BIGINT,
    work_done TEXT NOT NULL,
    devices_taken TEXT NOT NULL,
    result TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dispatches_by_incident ON dispatches (incident_id, requested_at);
CREATE INDEX dispatches_by_org ON dispatches (org_id, requested_at);
