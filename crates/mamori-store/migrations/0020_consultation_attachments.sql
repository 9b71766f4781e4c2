-- Small files a company attaches when it asks the desk (a screenshot, the suspicious e-mail),
-- kept with the consultation and its organisation; the size is limited before they get here.
CREATE TABLE consultation_attachments (
    id TEXT PRIMARY KEY,
    consultation_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX consultation_attachments_by_consultation ON consultation_attachments (consultation_id);
