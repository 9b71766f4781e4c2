-- Where a device sends its own alerts (a UTM's or router's alert e-mail setting); empty when
-- not set or not known, which the provider's console shows in red for UTMs and routers.
ALTER TABLE devices ADD COLUMN alert_email TEXT NOT NULL DEFAULT '';
