-- What mamori has said about devices' end dates: one row per device, what ends, the day it
-- ends and the stage reached (days60, days30, days7, lapsed), so each reminder or alert is
-- sent once. A renewed date is a new day, and its reminders start afresh.
CREATE TABLE expiry_notices (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    device_id TEXT NOT NULL,
    lapse TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, lapse, ends_on, stage)
);
