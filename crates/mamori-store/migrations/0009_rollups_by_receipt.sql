-- Roll-ups count events by the time mamori received them, like the hourly source counters, so
-- a report's daily chart, its total and its device table all read one clock (a device with a
-- wrong clock cannot move lines into another month). `rollup_runs` records when each day was
-- last recomputed for every organisation: a day recomputed after it ended is final, and a
-- report refreshes only the days that are not.
CREATE INDEX events_by_org_received ON events (org_id, received_at);

CREATE TABLE rollup_runs (
    day BIGINT PRIMARY KEY,
    computed_at BIGINT NOT NULL
);
