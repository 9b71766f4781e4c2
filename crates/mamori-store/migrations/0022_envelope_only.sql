-- Lines of a source set to `auto` that no device format recognised, so only the syslog
-- envelope (time, host, text) was read; counted per hour beside events and failures.
ALTER TABLE source_stats ADD COLUMN envelope_only BIGINT NOT NULL DEFAULT 0;
