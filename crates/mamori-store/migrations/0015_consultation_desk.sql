-- The provider's consultation desk (相談窓口): how client companies reach the people behind
-- the monitoring. One desk per deployment, kept with the provider as JSON (name, phone,
-- e-mail, opening hours, after-hours emergency number).
ALTER TABLE providers ADD COLUMN desk TEXT;
