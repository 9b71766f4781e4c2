-- A company's information asset ledger (情報資産管理台帳), in the IPA sheet's columns. C, I, A
-- and a hand-set importance are 0-2; flags are 0/1; `registered_on` is YYYY-MM-DD.
CREATE TABLE information_assets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    remarks TEXT NOT NULL,
    users TEXT NOT NULL,
    owner_dept TEXT NOT NULL,
    medium TEXT NOT NULL,
    personal BIGINT NOT NULL,
    sensitive BIGINT NOT NULL,
    my_number BIGINT NOT NULL,
    confidentiality BIGINT NOT NULL,
    integrity BIGINT NOT NULL,
    availability BIGINT NOT NULL,
    importance_override BIGINT,
    override_reason TEXT NOT NULL,
    retention TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX information_assets_by_org ON information_assets (org_id, category, name);
