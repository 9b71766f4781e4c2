-- A company's device inventory: what each device is, who looks after it, where it is, and
-- the days it stops being protected (dates are YYYY-MM-DD, empty when not known). A device
-- may stand for one of the organisation's monitored sources.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    os TEXT NOT NULL,
    os_version TEXT NOT NULL,
    os_support_ends TEXT NOT NULL,
    antivirus TEXT NOT NULL,
    antivirus_expires TEXT NOT NULL,
    support_ends TEXT NOT NULL,
    source_id TEXT REFERENCES sources (id),
    remarks TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX devices_by_org ON devices (org_id, name);
CREATE UNIQUE INDEX devices_by_source ON devices (source_id);

-- A UTM's licences, one per security function, with the last day of each.
CREATE TABLE device_licences (
    device_id TEXT NOT NULL REFERENCES devices (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    function TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    PRIMARY KEY (device_id, function)
);
CREATE INDEX device_licences_by_org ON device_licences (org_id);
