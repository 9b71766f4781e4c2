-- An organisation's alert list, newest first, is read in order from this index and continued
-- from a position (last seen, then id) instead of an offset.
CREATE INDEX alerts_by_org_last_seen ON alerts (org_id, last_seen_us, id);
