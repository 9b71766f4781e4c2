-- How each agent's log shipping stands (what it follows, lines waiting, lines dropped), as
-- its latest heartbeat said; JSON.
ALTER TABLE agents ADD COLUMN logs TEXT;
