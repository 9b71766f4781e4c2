-- Log ingestion: registered monitored sources, stored events (dead letters included), the
-- quarantine of lines from unknown senders, the ingest cursor that makes delivery from the
-- durable queue exactly-once, per-source health counters, daily roll-ups and retention.
-- Portable DDL as in 0001: times are Unix seconds unless the column name says otherwise.

-- A monitored source (監視対象機器): a UTM, router or server that sends logs. It is found by
-- the sender's address, its TLS client certificate (SHA-256 of the DER, hex) or an HTTP token
-- (SHA-256 digest). Each of the three is unique when set. `json_mapping` (JSON) says which
-- keys of a plain JSON source hold the normalised fields.
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    json_mapping TEXT,
    address TEXT UNIQUE,
    cert_fingerprint TEXT UNIQUE,
    token_hash TEXT UNIQUE,
    expected_interval_secs BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT
);
CREATE INDEX sources_by_org ON sources (org_id);

-- Normalised events. `ts_us` is the event time in microseconds (device logs carry sub-second
-- times that ordering needs); `parse_error` is set for dead letters, which keep the raw line.
-- No foreign keys: this is the hot insert path, and ingest checks the source itself.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    ts_us BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    severity TEXT NOT NULL,
    src_ip TEXT,
    src_port BIGINT,
    dst_ip TEXT,
    dst_port BIGINT,
    protocol TEXT,
    user_name TEXT,
    host TEXT,
    signature TEXT,
    message TEXT,
    format TEXT NOT NULL,
    device_kind TEXT,
    raw TEXT NOT NULL,
    fields TEXT NOT NULL,
    parse_error TEXT
);
CREATE INDEX events_by_org_time ON events (org_id, ts_us);
CREATE INDEX events_by_source_time ON events (source_id, ts_us);
CREATE INDEX events_failed ON events (source_id) WHERE parse_error IS NOT NULL;

-- How far each durable queue (one per ingest node) has been delivered, written in the same
-- transaction as the events themselves.
CREATE TABLE ingest_cursors (
    node_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Senders that no source matches, counted, with their first lines kept for the provider.
CREATE TABLE quarantine_senders (
    peer TEXT PRIMARY KEY,
    transport TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    kept BIGINT NOT NULL
);

CREATE TABLE quarantine_lines (
    id TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX quarantine_lines_by_peer ON quarantine_lines (peer, id);

-- Events and parse failures per source and hour (start of the hour), for ingest health.
CREATE TABLE source_stats (
    source_id TEXT NOT NULL,
    hour BIGINT NOT NULL,
    events BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (source_id, hour)
);

-- Daily roll-ups (days start at 00:00 JST) that reports and dashboards read instead of events.
CREATE TABLE event_rollups (
    org_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    source_id TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, source_id, category, action)
);

CREATE TABLE talker_rollups (
    org_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    src_ip TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, src_ip)
);

-- Per-organisation override of how many days events are kept.
CREATE TABLE event_retention (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    days BIGINT NOT NULL
);
