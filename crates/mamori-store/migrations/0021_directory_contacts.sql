-- The provider's edits to the contacts directory (届け出先・相談先): a published entry it
-- corrected (same key) or an entry of its own, kept whole as JSON in the shape of
-- mamori_model::Contact. Removing a row restores the published entry.
CREATE TABLE directory_contacts (
    key TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
