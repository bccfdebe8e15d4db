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

pub mod conversation;
pub mod events;
pub mod store;
