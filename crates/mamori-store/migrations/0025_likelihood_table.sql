-- The provider's own likelihood table for risk analysis (threat level × vulnerability →
-- likelihood, each 1-3) as JSON rows; NULL: mamori's default table.
ALTER TABLE providers ADD COLUMN likelihood TEXT;
