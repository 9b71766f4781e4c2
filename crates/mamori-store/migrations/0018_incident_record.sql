-- The incident record's facts (the guideline's list: parties, people in charge, discovery and
-- occurrence times, what was observed, presumed cause, state and configuration of the systems)
-- and the flags that decide who must be told, kept as JSON the domain defines.
ALTER TABLE incidents ADD COLUMN facts TEXT;
