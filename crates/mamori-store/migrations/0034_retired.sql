-- A source (an agent's too) taken out of service when the machine is retired: its token and
-- sender identity stop working, its silence no longer alerts and it leaves the lists; its
-- events stay. Re-enrolling a retired agent's machine under the same name brings it back.
ALTER TABLE sources ADD COLUMN retired_at BIGINT;
ALTER TABLE agents ADD COLUMN retired_at BIGINT;
