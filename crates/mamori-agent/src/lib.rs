//! mamori's endpoint agent: enrols a PC or server with an organisation's enrolment token,
//! then reports a heartbeat with the machine's posture every few minutes. The rules that judge
//! the machine ([`posture`]) read it only through [`posture::System`], so they run on fixtures
//! in tests and another operating system can be added beside Linux.

pub mod buffer;
pub mod client;
pub mod logs;
pub mod posture;
pub mod ship;
pub mod state;

/// How the agent names itself in posture reports.
pub const REPORTER: &str = concat!("mamori-agent ", env!("CARGO_PKG_VERSION"));
