-- The three steps of incident response as a checklist: which item of which incident was done,
-- when and by whom. Items are named by the playbook's stable keys (`detect.contained`).
CREATE TABLE incident_checks (
    incident_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    item TEXT NOT NULL,
    done_at BIGINT NOT NULL,
    done_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, item)
);
