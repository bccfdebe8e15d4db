//! Baton's WhatsApp Cloud API channel: the wire protocol and nothing else.
//!
//! - [`signature`]: `X-Hub-Signature-256` verification and the `GET`
//!   subscription handshake;
//! - [`payload`]: every webhook body parsed into normalized events
//!   (messages of every type, statuses, contact changes, errors);
//! - [`send`]: Graph API message bodies, sending, mark-as-read, media
//!   download, and error classification by Graph error code.

pub mod payload;
pub mod send;
pub mod signature;

pub use payload::{ParseError, StatusEvent, WebhookEvent, parse_webhook};
pub use send::{
    DEFAULT_MEDIA_HOSTS, OUTSIDE_WINDOW, RETRYABLE_CODES, TOKEN_EXPIRED, WhatsappChannel,
    classify_error, message_body,
};
pub use signature::{SignatureError, sign, verify_handshake, verify_signature};
