-- The company's own record that it declared SECURITY ACTION on IPA's site: which star and on
-- which day. mamori does not send the declaration; the owner ticks it so the provider sees
-- who has declared and who still needs help.
CREATE TABLE security_action_declarations (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    stars BIGINT NOT NULL,
    declared_on TEXT NOT NULL,
    recorded_by TEXT,
    recorded_at BIGINT NOT NULL
);
