//! Baton: one gateway for a bot and a human support team behind WhatsApp,
//! a website chat widget and email.
//!
//! # Layout
//! - [`config`]: every environment variable, typed and validated.
//! - [`app`]: wiring and graceful shutdown; [`app::run`] is the entry point.
//! - [`conversation`]: the model, the ownership rule, and
//!   [`conversation::lifecycle`], the one place a conversation's status or
//!   assignee changes.
//! - [`store`]: SQLite and PostgreSQL persistence behind one `Store`; it
//!   decides nothing.
//! - [`writes`]: the hot path's writes (stored message, bot turn, delivery
//!   outcome) as one type; [`batch`]: the group-commit writer that applies
//!   them.
//! - [`ingest`]: inbound pipeline with group commit.
//! - [`router`]: who answers an inbound message; the `Bot` trait.
//! - [`bot`]: the knowledge-base bot and what a turn produces.
//! - [`handover`]: divisions, the handover's settings and actions, the
//!   timer scheduler (pause expiry, overdue tasks).
//! - [`outbox`]: the delivery worker.
//! - [`events`]: the event bus.
//! - [`http`]: the HTTP surface (webhooks, API, health, metrics).
//! - [`error`]: one HTTP error type; [`metrics`]: Prometheus counters;
//!   [`hooks`]: test pause points.

pub mod app;
pub mod batch;
pub mod bot;
pub mod config;
pub mod conversation;
pub mod error;
pub mod events;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod outbox;
pub mod router;
pub mod store;
pub mod writes;

/// Installs the TLS crypto provider (ring) for outbound HTTPS. Idempotent;
/// anything that builds a `reqwest::Client` calls it first.
pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
pub mod handover;
#[doc(hidden)]
pub mod hooks;
