-- The lines of a company's risk analysis sheet: one threat to one information asset, judged
-- (levels 1-3), with the treatment decided, the measures, who and by when, and the
-- vulnerability left once they are in place. Removed with their asset.
CREATE TABLE risk_entries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    asset_id TEXT NOT NULL REFERENCES information_assets (id),
    threat TEXT NOT NULL,
    threat_level BIGINT NOT NULL,
    vulnerability BIGINT NOT NULL,
    treatment TEXT,
    measures TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_on TEXT NOT NULL,
    residual_vulnerability BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX risk_entries_by_org ON risk_entries (org_id, asset_id);
