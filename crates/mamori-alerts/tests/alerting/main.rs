//! The alerting stage against real databases (SQLite always, PostgreSQL when configured) and
//! real HTTP listeners, in one test binary: one module per part of the stage.

mod delivery;
mod end_dates;
mod promote;
mod watch;
