//! Feeds arbitrary bytes to the WhatsApp webhook parser: it must return
//! events or an error, never panic. Run from the repository root:
//! `cargo +nightly fuzz run whatsapp_payload` (seed corpus: the fixtures,
//! `cp channels/whatsapp/tests/fixtures/*.json fuzz/corpus/whatsapp_payload/`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = baton_channel_whatsapp::parse_webhook(data);
});
