//! Prometheus metrics, kept in atomics on the hot paths and rendered as
//! text on `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use baton_channel::ChannelKind;

/// Upper bounds (seconds) of the delivery latency histogram.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Outcomes of one delivery attempt.
pub const OUTCOMES: [&str; 4] = ["sent", "retry", "dead", "dropped"];

#[derive(Default)]
pub struct Metrics {
    inbound: [AtomicU64; 4],
    outbound: [AtomicU64; 4],
    latency_buckets: [AtomicU64; 12],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    handovers: Mutex<BTreeMap<String, u64>>,
    http_responses: [AtomicU64; 5],
    write_batches: AtomicU64,
    writes: AtomicU64,
    write_busy_us: AtomicU64,
}

fn channel_index(c: ChannelKind) -> usize {
    ChannelKind::ALL.iter().position(|k| *k == c).unwrap_or(0)
}

impl Metrics {
    pub fn inbound(&self, c: ChannelKind) {
        self.inbound[channel_index(c)].fetch_add(1, Relaxed);
    }

    /// One delivery attempt ended with `outcome` (one of [`OUTCOMES`]).
    pub fn outbound(&self, outcome: &str, latency_ms: i64) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) {
            self.outbound[i].fetch_add(1, Relaxed);
        }
        let secs = latency_ms.max(0) as f64 / 1000.0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.latency_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_us
            .fetch_add(latency_ms.max(0) as u64 * 1000, Relaxed);
    }

    /// The hot-path writer committed `writes` writes in one transaction
    /// that took `busy_us` (waiting for the lock included).
    pub fn write_batch(&self, writes: usize, busy_us: u64) {
        self.write_batches.fetch_add(1, Relaxed);
        self.writes.fetch_add(writes as u64, Relaxed);
        self.write_busy_us.fetch_add(busy_us, Relaxed);
    }

    pub fn handover(&self, reason: &str) {
        let mut h = self.handovers.lock().unwrap_or_else(|p| p.into_inner());
        *h.entry(reason.to_string()).or_default() += 1;
    }

    pub fn http_response(&self, status: u16) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.http_responses[class].fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition; `outbox_depth` is read by the caller.
    pub fn render(&self, outbox_depth: i64) -> String {
        let mut s = String::new();
        s.push_str("# HELP baton_inbound_messages_total Customer messages stored, by channel.\n");
        s.push_str("# TYPE baton_inbound_messages_total counter\n");
        for (i, c) in ChannelKind::ALL.iter().enumerate() {
            let _ = writeln!(
                s,
                "baton_inbound_messages_total{{channel=\"{c}\"}} {}",
                self.inbound[i].load(Relaxed)
            );
        }
        s.push_str("# HELP baton_outbound_attempts_total Delivery attempts, by outcome.\n");
        s.push_str("# TYPE baton_outbound_attempts_total counter\n");
        for (i, o) in OUTCOMES.iter().enumerate() {
            let _ = writeln!(
                s,
                "baton_outbound_attempts_total{{outcome=\"{o}\"}} {}",
                self.outbound[i].load(Relaxed)
            );
        }
        s.push_str("# HELP baton_write_batches_total Group commits of the hot-path writer.\n");
        s.push_str("# TYPE baton_write_batches_total counter\n");
        let _ = writeln!(
            s,
            "baton_write_batches_total {}",
            self.write_batches.load(Relaxed)
        );
        s.push_str("# HELP baton_writes_total Writes (stored messages, bot turns, delivery outcomes) in those commits.\n");
        s.push_str("# TYPE baton_writes_total counter\n");
        let _ = writeln!(s, "baton_writes_total {}", self.writes.load(Relaxed));
        s.push_str("# HELP baton_write_busy_seconds_total Time the hot-path writer spent in transactions; a rate near 1 means the database is the bottleneck.\n");
        s.push_str("# TYPE baton_write_busy_seconds_total counter\n");
        let _ = writeln!(
            s,
            "baton_write_busy_seconds_total {:.6}",
            self.write_busy_us.load(Relaxed) as f64 / 1e6
        );
        s.push_str("# HELP baton_outbox_depth Outbound messages waiting to be sent.\n");
        s.push_str("# TYPE baton_outbox_depth gauge\n");
        let _ = writeln!(s, "baton_outbox_depth {outbox_depth}");
        s.push_str("# HELP baton_delivery_latency_seconds Time one delivery attempt took.\n");
        s.push_str("# TYPE baton_delivery_latency_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "baton_delivery_latency_seconds_bucket{{le=\"{b}\"}} {}",
                self.latency_buckets[i].load(Relaxed)
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(
            s,
            "baton_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "baton_delivery_latency_seconds_sum {}",
            self.latency_sum_us.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "baton_delivery_latency_seconds_count {count}");
        s.push_str("# HELP baton_handovers_total Handovers to humans, by reason.\n");
        s.push_str("# TYPE baton_handovers_total counter\n");
        for (reason, n) in self
            .handovers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(s, "baton_handovers_total{{reason=\"{reason}\"}} {n}");
        }
        s.push_str("# HELP baton_http_responses_total HTTP responses, by status class.\n");
        s.push_str("# TYPE baton_http_responses_total counter\n");
        for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
            let _ = writeln!(
                s,
                "baton_http_responses_total{{class=\"{class}\"}} {}",
                self.http_responses[i].load(Relaxed)
            );
        }
        s
    }
}
