-- Event and detection lists page by position (time, then id) instead of by offset. With the id
-- in the index, the newest-first order and the "after this row" seek are both read straight
-- from it; the old (org_id, ts_us) indexes are a prefix of the new ones and go.
CREATE INDEX events_by_org_time_id ON events (org_id, ts_us, id);
DROP INDEX events_by_org_time;
CREATE INDEX detections_by_org_time_id ON detections (org_id, ts_us, id);
DROP INDEX detections_by_org_time;
