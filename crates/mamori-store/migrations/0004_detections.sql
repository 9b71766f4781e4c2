-- Detections: what the detection engine found in ingested events, written in the same
-- transaction as the events that caused them (so a replayed queue batch never detects
-- twice). Alerts (grouping, lifecycle, notification) are built on these rows.
-- `ts_us` is the time of the (last) matching event in microseconds, like events.ts_us.
-- `details` (JSON) holds the evidence: the matching event or a sample of them, correlation
-- group-by values and counts, the matched indicator, and the rule's guidance text.
CREATE TABLE detections (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    source_id TEXT,
    event_id TEXT,
    ts_us BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    title_ja TEXT,
    level TEXT NOT NULL,
    tags TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX detections_by_org_time ON detections (org_id, ts_us);
