-- How many events stand behind an alert (20 failed logins), beside how many detections were
-- grouped into it (the correlation fired 4 times). Alerts raised before this count their
-- detections, the best that is known of them.
ALTER TABLE alerts ADD COLUMN events BIGINT NOT NULL DEFAULT 1;
UPDATE alerts SET events = count;
