//! WhatsApp end-to-end benchmark (not a test).
//!
//! Starts the real `baton` binary (release build, SQLite in a temp dir, the
//! demo KB) against a local fake Graph API, then drives unique, correctly
//! signed text-message webhooks at it over loopback with a fixed
//! concurrency for a fixed time. Every simulated customer is a distinct
//! number and the rate limits are raised out of the way, so this measures
//! Baton, not the limiter. Phases, each with the same load: questions the
//! bot answers; an hour-old backlog it leaves to agents (webhook -> stored
//! on its own); a bare axum handler that only reads the body (the HTTP
//! ceiling).
//!
//! Run: `cargo bench --bench whatsapp`. Settings: BENCH_SECS (30),
//! BENCH_CONCURRENCY (32), BENCH_CEILING=0 (skip the ceiling),
//! BENCH_BATON_BIN (another build, for A/B runs), BENCH_DATABASE_URL (e.g.
//! an empty PostgreSQL database instead of the temporary SQLite file).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;

const SECRET: &str = "bench-secret";
const NUMBER: &str = "106540352242922";
const QUESTION: &str = "how long does delivery take to surabaya?";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Reply arrival times at the fake Graph API, by customer number.
#[derive(Clone, Default)]
struct Graph {
    first_reply: Arc<Mutex<HashMap<String, Instant>>>,
    sends: Arc<AtomicUsize>,
    per_customer: Arc<Mutex<HashMap<String, usize>>>,
}

/// What the fake Graph API reads of a send: the recipient, and whether it
/// is a mark-as-read (which has a `status`). Borrowed, so the harness
/// spends as little of the shared CPU as possible.
#[derive(serde::Deserialize)]
struct GraphRequest<'a> {
    #[serde(borrow, default)]
    to: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<std::borrow::Cow<'a, str>>,
}

async fn graph_send(
    State(g): State<Graph>,
    Path(_id): Path<String>,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
    let Ok(req) = serde_json::from_slice::<GraphRequest>(&body) else {
        return (axum::http::StatusCode::BAD_REQUEST, json, "{}").into_response();
    };
    if req.status.is_some() {
        return (json, r#"{"success":true}"#).into_response();
    }
    let to = req.to.unwrap_or_default().into_owned();
    let n = g.sends.fetch_add(1, Ordering::Relaxed);
    let now = Instant::now();
    g.first_reply
        .lock()
        .unwrap()
        .entry(to.clone())
        .or_insert(now);
    *g.per_customer.lock().unwrap().entry(to).or_default() += 1;
    (
        json,
        format!(r#"{{"messaging_product":"whatsapp","messages":[{{"id":"wamid.B{n}"}}]}}"#),
    )
        .into_response()
}

/// A Meta-shaped text-message webhook. Built with `format!` (customer and
/// message ids are plain ASCII) because the load generator shares the CPU
/// with the gateway and should cost as little as it can.
fn webhook(customer: &str, wamid: &str, age_secs: u64) -> Vec<u8> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - age_secs;
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"{NUMBER}"}},"contacts":[{{"profile":{{"name":"Bench"}},"wa_id":"{customer}"}}],"messages":[{{"from":"{customer}","id":"{wamid}","timestamp":"{now}","type":"text","text":{{"body":"{QUESTION}"}}}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

struct Load {
    sent: usize,
    failed: usize,
    latencies: Vec<Duration>,
    started: HashMap<String, Instant>,
    elapsed: Duration,
}

/// What a load phase sends: message ids start with `tag`, customer
/// numbers with `prefix`, and each message is `age_secs` old.
#[derive(Clone, Copy)]
struct Phase<'a> {
    tag: &'a str,
    prefix: &'a str,
    age_secs: u64,
}

async fn drive(url: &str, concurrency: usize, secs: u64, phase: Phase<'_>) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, stop, counter, url, tag, prefix, age) = (
            client.clone(),
            stop.clone(),
            counter.clone(),
            url.to_string(),
            phase.tag.to_string(),
            phase.prefix.to_string(),
            phase.age_secs,
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut started = Vec::new();
            let mut failed = 0;
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let customer = format!("{prefix}{}{:08}", worker % 10, n);
                let body = webhook(&customer, &format!("wamid.{tag}{n}"), age);
                let sig = baton_channel_whatsapp::sign(SECRET.as_bytes(), &body);
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        lat.push(t.elapsed());
                        started.push((customer, t));
                    }
                    _ => failed += 1,
                }
            }
            (lat, started, failed)
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut load = Load {
        sent: 0,
        failed: 0,
        latencies: Vec::new(),
        started: HashMap::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (lat, started, failed) = t.await.unwrap();
        load.sent += lat.len();
        load.failed += failed;
        load.latencies.extend(lat);
        load.started.extend(started);
    }
    load.elapsed = begin.elapsed();
    load.latencies.sort();
    load
}

fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// CPU time a process has used so far (user + system), from
/// `/proc/<pid>/stat` (in clock ticks of 10 ms).
fn cpu_secs(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may contain spaces).
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// One value from the gateway's `/metrics`.
async fn metric_of(client: &reqwest::Client, base: &str, name: &str) -> f64 {
    let text = match client
        .get(format!("{base}/metrics"))
        .bearer_auth("bench")
        .send()
        .await
    {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

struct Gateway(Child);
impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    baton::install_crypto_provider();
    let secs = env_or("BENCH_SECS", 30);
    let concurrency = env_or("BENCH_CONCURRENCY", 32) as usize;

    // The fake Graph API.
    let graph = Graph::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let graph_addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/v23.0/{id}/messages", post(graph_send))
        .with_state(graph.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The gateway.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // BENCH_BATON_BIN runs another build (to compare two versions under
    // the same harness).
    let bin =
        std::env::var("BENCH_BATON_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_baton").into());
    let database_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let child = Command::new(bin)
        .env("BATON_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url.clone())
        .env("BATON_KB_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/kb"))
        .env("BATON_ADMIN_TOKEN", "bench")
        .env("WHATSAPP_ACCESS_TOKEN", "bench-token")
        .env("WHATSAPP_PHONE_NUMBER_ID", NUMBER)
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", "bench")
        .env("WHATSAPP_API_BASE", format!("http://{graph_addr}/v23.0"))
        .env("WHATSAPP_MPS", "1000000")
        .env("WHATSAPP_PAIR_BURST", "1000")
        .env("BATON_API_RATE_LIMIT", "1000000")
        .env("OUTBOX_CONCURRENCY", "256")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start baton");
    let pid = child.id();
    let _gateway = Gateway(child);
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let ready = Instant::now();
    while probe.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "gateway did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    println!(
        "WhatsApp benchmark: {concurrency} connections for {secs} s, {backend}, demo KB, fake Graph API on loopback"
    );
    let cpu_before = (cpu_secs(&pid.to_string()), cpu_secs("self"));
    let answered_phase = Phase {
        tag: "W",
        prefix: "62",
        age_secs: 0,
    };
    let load = drive(
        &format!("{base}/webhooks/whatsapp"),
        concurrency,
        secs,
        answered_phase,
    )
    .await;
    let webhook_rps = load.sent as f64 / load.elapsed.as_secs_f64();

    // Wait for the replies to drain (bounded).
    let drain_start = Instant::now();
    while graph.first_reply.lock().unwrap().len() < load.sent
        && drain_start.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let replies_done = Instant::now();
    let cpu_after = (cpu_secs(&pid.to_string()), cpu_secs("self"));
    let first = graph.first_reply.lock().unwrap().clone();
    let mut e2e: Vec<Duration> = load
        .started
        .iter()
        .filter_map(|(c, t)| first.get(c).map(|r| r.duration_since(*t)))
        .collect();
    e2e.sort();
    let answered = first.len();
    // From the first webhook to the last reply.
    let span = load.elapsed + replies_done.duration_since(drain_start);
    let replies_per_sec = answered as f64 / span.as_secs_f64();
    let per_customer = graph.per_customer.lock().unwrap().clone();
    let duplicates = per_customer.values().filter(|n| **n > 1).count();
    let rss = peak_rss_mib(pid);
    // The gateway's own view: how busy its one writer was, and how many
    // writes shared each commit.
    let (batches, writes, busy) = (
        metric_of(&probe, &base, "baton_write_batches_total").await,
        metric_of(&probe, &base, "baton_writes_total").await,
        metric_of(&probe, &base, "baton_write_busy_seconds_total").await,
    );

    println!(
        "  webhooks acknowledged: {} ({} failed) = {:.0} req/s",
        load.sent, load.failed, webhook_rps
    );
    println!(
        "  webhook latency: p50 {:?}, p99 {:?}",
        pct(&load.latencies, 0.5),
        pct(&load.latencies, 0.99)
    );
    println!(
        "  customers answered: {answered} of {} = {:.0} replies/s (each answer: one message with Yes/No buttons)",
        load.sent, replies_per_sec
    );
    println!(
        "  webhook sent -> first reply at Graph: p50 {:?}, p99 {:?}",
        pct(&e2e, 0.5),
        pct(&e2e, 0.99)
    );
    println!(
        "  Graph sends: {} ; customers sent more than one answer (duplicates): {duplicates}",
        graph.sends.load(Ordering::Relaxed)
    );
    println!("  gateway peak RSS: {rss:.1} MiB");
    let (gateway_cpu, harness_cpu) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
    println!(
        "  CPU: gateway {:.2} cores = {:.0} µs per customer message; load generator + fake Graph {:.2} cores",
        gateway_cpu / span.as_secs_f64(),
        1e6 * gateway_cpu / load.sent.max(1) as f64,
        harness_cpu / span.as_secs_f64()
    );
    println!(
        "  writer: {:.0} % busy over the run (summed over its queues), {:.1} writes per commit",
        100.0 * busy / span.as_secs_f64(),
        writes / batches.max(1.0)
    );
    // Stored only: the same load as a backlog Meta redelivers after an
    // outage (messages an hour old). The bot leaves those to agents
    // (BOT_MAX_MESSAGE_AGE), so this measures webhook -> stored (and
    // routed to the agents' queue) without answers.
    let sends_before = graph.sends.load(Ordering::Relaxed);
    let busy_before = metric_of(&probe, &base, "baton_write_busy_seconds_total").await;
    let cpu_before = (cpu_secs(&pid.to_string()), cpu_secs("self"));
    let stored_before = metric_of(
        &probe,
        &base,
        "baton_inbound_messages_total{channel=\"whatsapp\"}",
    )
    .await;
    let backlog = drive(
        &format!("{base}/webhooks/whatsapp"),
        concurrency,
        secs,
        Phase {
            tag: "B",
            prefix: "63",
            age_secs: 3600,
        },
    )
    .await;
    let stored = metric_of(
        &probe,
        &base,
        "baton_inbound_messages_total{channel=\"whatsapp\"}",
    )
    .await
        - stored_before;
    println!(
        "  stored only (backlog, hour-old messages left to agents): {} acknowledged ({} failed) = {:.0} req/s, p50 {:?}, p99 {:?}; {stored:.0} stored; bot sends meanwhile: {}",
        backlog.sent,
        backlog.failed,
        backlog.sent as f64 / backlog.elapsed.as_secs_f64(),
        pct(&backlog.latencies, 0.5),
        pct(&backlog.latencies, 0.99),
        graph.sends.load(Ordering::Relaxed) - sends_before,
    );
    let busy = metric_of(&probe, &base, "baton_write_busy_seconds_total").await - busy_before;
    let (gateway_cpu, harness_cpu) = (
        cpu_secs(&pid.to_string()) - cpu_before.0,
        cpu_secs("self") - cpu_before.1,
    );
    let took = backlog.elapsed.as_secs_f64();
    println!(
        "    CPU: gateway {:.2} cores = {:.0} µs per message; load generator {:.2} cores; writer {:.0} % busy",
        gateway_cpu / took,
        1e6 * gateway_cpu / backlog.sent.max(1) as f64,
        harness_cpu / took,
        100.0 * busy / took
    );
    println!(
        "  gateway peak RSS over both phases: {:.1} MiB",
        peak_rss_mib(pid)
    );

    // The HTTP ceiling: a bare axum handler that only reads the body, under
    // the same load (BENCH_CEILING=0 skips it, for quick comparisons).
    if env_or("BENCH_CEILING", 1) == 0 {
        return;
    }
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_addr = bare.local_addr().unwrap();
    let bare_app = axum::Router::new().route(
        "/webhooks/whatsapp",
        post(|body: Bytes| async move { body.len().to_string() }),
    );
    tokio::spawn(async move { axum::serve(bare, bare_app).await });
    let ceiling = drive(
        &format!("http://{bare_addr}/webhooks/whatsapp"),
        concurrency,
        secs,
        Phase {
            tag: "C",
            prefix: "64",
            age_secs: 0,
        },
    )
    .await;
    let ceiling_rps = ceiling.sent as f64 / ceiling.elapsed.as_secs_f64();
    println!(
        "  bare axum ceiling: {:.0} req/s (p99 {:?}); Baton at {:.0} % of it",
        ceiling_rps,
        pct(&ceiling.latencies, 0.99),
        100.0 * webhook_rps / ceiling_rps
    );
}
