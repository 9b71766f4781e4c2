//! The app's flow tests, in one binary so the whole app is linked once: each module drives
//! one area through the real server (in process, or the real `mamori` binary where a test
//! needs its syslog listener or kills it) on a fresh database, on SQLite and, when
//! configured, PostgreSQL.

mod common;

mod alerts_browser;
mod alerts_flow;
mod assessment_browser;
mod assessments;
mod assets;
mod channels_pages;
mod cli;
mod cluster;
mod consultations;
mod contacts;
mod desk;
mod detections;
mod devices;
mod documents;
mod documents_browser;
mod endpoints;
mod first_run_browser;
mod foundation;
mod handbook;
mod home;
mod incidents;
mod ingest_api;
mod ingest_kill;
mod inventory;
mod reports_pages;
mod retention;
mod windows;
