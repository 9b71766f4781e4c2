//! Turns a [`Notice`](crate::Notice) into what each channel sends. Public so the portal can
//! preview a notice exactly as it will be delivered.
//!
//! [`content`] holds the words (Japanese and English, written separately); the other modules
//! only lay those words out for e-mail, generic webhooks, Slack and Teams.

pub mod content;
pub mod email;
pub mod slack;
pub mod teams;
pub mod webhook;
mod words;

pub use content::Content;
pub use email::{RenderedEmail, email};
pub use slack::slack_json;
pub use teams::teams_json;
pub use webhook::webhook_json;
