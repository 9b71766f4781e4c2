-- Heartbeats per agent and calendar day (the site's time zone), so the monthly report can
-- say for how much of the month each machine was heard from.
CREATE TABLE agent_beats (
    agent_id TEXT NOT NULL REFERENCES agents (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    day TEXT NOT NULL,
    beats BIGINT NOT NULL,
    PRIMARY KEY (agent_id, day)
);
CREATE INDEX agent_beats_by_org ON agent_beats (org_id, day);
