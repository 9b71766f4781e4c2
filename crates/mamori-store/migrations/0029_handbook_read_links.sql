-- Personal one-time links through which someone on a handbook's name list (no account)
-- confirms reading one handbook version. Only the link's digest is kept.
CREATE TABLE handbook_read_links (
    token_hash TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    reader_id TEXT NOT NULL,
    version_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX handbook_read_links_by_reader ON handbook_read_links (org_id, reader_id);
