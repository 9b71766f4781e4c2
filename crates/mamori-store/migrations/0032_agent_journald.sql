-- Agents now ship the systemd journal; their sources read it in the `journald` format.
UPDATE sources SET format = 'journald'
WHERE format = 'json' AND id IN (SELECT source_id FROM agents);
