-- Why a notification did not arrive, as a stable code next to the exact error text: pages and
-- mails translate the code for the company, the provider still reads the exact text.
ALTER TABLE deliveries ADD COLUMN last_error_code TEXT;
ALTER TABLE channels ADD COLUMN last_error_code TEXT;
