//! Delivery to real endpoints on loopback, in one test binary: e-mail through a real SMTP
//! server, webhooks, Slack and Teams through a real HTTP listener.

mod common;

mod email;
mod http;
