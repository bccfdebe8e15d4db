//! Baton: one gateway for a bot and a human support team behind WhatsApp,
//! a website chat widget and email.
//!
//! # Layout
//! - [`config`]: every environment variable, typed and validated.
//! - [`app`]: wiring and graceful shutdown; [`app::run`] is the entry point.
//! - [`conversation`]: the model and the ownership rule.
//! - [`store`]: SQLite and PostgreSQL storage behind one `Store`.
//! - [`ingest`]: inbound pipeline with group commit.
//! - [`router`]: who answers an inbound message; the `Bot` trait.
//! - [`outbox`]: the delivery worker.
//! - [`events`]: the event bus.
//! - [`http`]: the HTTP surface (webhooks, API, health, metrics).

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

/// Installs the TLS crypto provider (ring) for outbound HTTPS. Idempotent;
/// anything that builds a `reqwest::Client` calls it first.
pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
pub mod handover;
#[doc(hidden)]
pub mod hooks;
