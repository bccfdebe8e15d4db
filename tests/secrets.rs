//! Secrets stay secret: `--help` and `baton check` print none, a config
//! error quotes no credentials, a malformed `whsec_` secret stops startup,
//! and WhatsApp media downloads send the access token to Meta only.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use baton_channel_whatsapp::WhatsappChannel;
use serde_json::json;

/// Every secret-bearing variable, each with a value that must never show.
const SECRET_ENV: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "postgres://user:s3cretpw@127.0.0.1:1/x",
        "s3cretpw",
    ),
    (
        "API_CHANNEL_CALLBACK_URL",
        "http://cbuser:cbpass-7@127.0.0.1:9/cb",
        "cbpass-7",
    ),
    (
        "API_CHANNEL_SECRET",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    (
        "LLM_BASE_URL",
        "http://llmuser:llmpass-7@127.0.0.1:11434/v1",
        "llmpass-7",
    ),
    ("LLM_API_KEY", "sk-llmkey-7", "sk-llmkey-7"),
    ("BATON_ADMIN_TOKEN", "admin-token-7", "admin-token-7"),
    ("METRICS_TOKEN", "metrics-token-7", "metrics-token-7"),
    ("WHATSAPP_ACCESS_TOKEN", "EAAG-token-7", "EAAG-token-7"),
    ("WHATSAPP_PHONE_NUMBER_ID", "106540352242922", "no-secret"),
    ("WHATSAPP_APP_SECRET", "app-secret-7", "app-secret-7"),
    ("WHATSAPP_VERIFY_TOKEN", "verify-token-7", "verify-token-7"),
    (
        "WHATSAPP_API_BASE",
        "https://graphuser:graphpass-7@graph.facebook.com/v23.0",
        "graphpass-7",
    ),
    (
        "BATON_PUBLIC_URL",
        "https://pubuser:pubpass-7@support.example.com",
        "pubpass-7",
    ),
];

fn baton(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.args(args).env_clear().env("RUST_LOG", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run baton");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn secret_env() -> Vec<(&'static str, &'static str)> {
    SECRET_ENV.iter().map(|(k, v, _)| (*k, *v)).collect()
}

fn assert_no_secret(text: &str) {
    for (var, _, secret) in SECRET_ENV {
        assert!(!text.contains(secret), "{var}'s secret shows:\n{text}");
    }
}

#[test]
fn help_and_check_print_no_secrets() {
    let env = secret_env();
    let (ok, help) = baton(&["--help"], &env);
    assert!(ok && help.contains("DATABASE_URL"), "{help}");
    assert_no_secret(&help);

    let (ok, check) = baton(&["check"], &env);
    assert!(ok, "{check}");
    assert!(check.contains("configuration OK"), "{check}");
    assert!(
        check.contains("127.0.0.1:9/cb") && check.contains("127.0.0.1:11434"),
        "the URLs still show, without their credentials:\n{check}"
    );
    assert_no_secret(&check);
}

#[test]
fn configuration_errors_quote_no_credentials() {
    let mut env = secret_env();
    env.retain(|(k, _)| *k != "API_CHANNEL_CALLBACK_URL");
    env.push((
        "API_CHANNEL_CALLBACK_URL",
        "ftp://cbuser:cbpass-7@127.0.0.1/cb",
    ));
    let (ok, out) = baton(&["check"], &env);
    assert!(!ok && out.contains("API_CHANNEL_CALLBACK_URL"), "{out}");
    assert_no_secret(&out);
}

#[test]
fn a_whsec_secret_that_is_not_base64_stops_startup() {
    let (ok, out) = baton(
        &["check"],
        &[("API_CHANNEL_SECRET", "whsec_this is not base64!")],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("API_CHANNEL_SECRET") && out.contains("base64"),
        "{out}"
    );
    let (ok, out) = baton(&["check"], &[("API_CHANNEL_SECRET", "any-plain-secret")]);
    assert!(ok, "a secret without the prefix is used as written: {out}");
}

/// Builds a fake server's response from the request path and its own address.
type Answer = fn(&str, std::net::SocketAddr) -> Response;

/// A local server recording each request's path (as sent, still encoded)
/// and `Authorization` header; `answer` builds each response.
#[derive(Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<(String, String)>>>,
    addr: std::net::SocketAddr,
}

impl Recorder {
    async fn start(ip: &str, answer: Answer) -> Recorder {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .expect("bind");
        let rec = Recorder {
            seen: Arc::default(),
            addr: listener.local_addr().expect("addr"),
        };
        let state = (rec.clone(), answer);
        let app = axum::Router::new().fallback(
            |State((rec, answer)): State<(Recorder, Answer)>, req: Request| async move {
                let path = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                let auth = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                rec.seen.lock().expect("lock").push((path.clone(), auth));
                answer(&path, rec.addr)
            },
        );
        tokio::spawn(async move { axum::serve(listener, app.with_state(state)).await });
        rec
    }

    fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().expect("lock").clone()
    }
}

/// Meta's media lookup: `/v23.0/foreign-<port>` points the download at
/// 127.0.0.2:<port>, any other id at this server's own `/files/`.
fn graph_answer(path: &str, me: std::net::SocketAddr) -> Response {
    if let Some(rest) = path.strip_prefix("/v23.0/") {
        let url = match rest.strip_prefix("foreign-") {
            Some(port) => format!("http://127.0.0.2:{port}/file"),
            None => format!("http://{me}/files/{rest}"),
        };
        return axum::Json(json!({"url": url, "mime_type": "image/jpeg"})).into_response();
    }
    "JPEG".into_response()
}

fn file_answer(_: &str, _: std::net::SocketAddr) -> Response {
    "JPEG".into_response()
}

fn channel(graph: &Recorder) -> WhatsappChannel {
    WhatsappChannel::new(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        &format!("http://{}/v23.0", graph.addr),
        "EAAG-token-7".into(),
        vec!["106540352242922".into()],
    )
}

#[tokio::test]
async fn media_ids_stay_one_path_segment() {
    baton::install_crypto_provider();
    let graph = Recorder::start("127.0.0.1", graph_answer).await;
    let wa = channel(&graph);
    let (mime, file) = wa
        .download_media("../../../evil?x=1")
        .await
        .expect("the lookup of the escaped id answers");
    assert_eq!(mime, "image/jpeg");
    assert_eq!(file.text().await.unwrap(), "JPEG");
    let paths: Vec<String> = graph.seen().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths[0], "/v23.0/..%2F..%2F..%2Fevil%3Fx%3D1",
        "the id is one segment under the API base: {paths:?}"
    );
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/v23.0/") || p.starts_with("/files/")),
        "{paths:?}"
    );
    assert!(wa.download_media("..").await.is_err());
    assert_eq!(graph.seen().len(), 2, "`..` is refused before any request");
}

#[tokio::test]
async fn the_access_token_goes_to_meta_only() {
    baton::install_crypto_provider();
    let graph = Recorder::start("127.0.0.1", graph_answer).await;
    let foreign = Recorder::start("127.0.0.2", file_answer).await;
    let id = format!("foreign-{}", foreign.addr.port());

    let err = channel(&graph)
        .download_media(&id)
        .await
        .expect_err("a download URL on another host is refused");
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
    assert!(
        foreign.seen().is_empty(),
        "nothing, token included, reached the foreign host: {:?}",
        foreign.seen()
    );
    // The lookup itself (on the API base's host) carried the token.
    assert_eq!(graph.seen()[0].1, "Bearer EAAG-token-7");

    // A host on the allowlist (WHATSAPP_MEDIA_HOSTS) gets the token.
    let allowed = channel(&graph).with_media_hosts(vec!["127.0.0.2".into()]);
    let (_, file) = allowed.download_media(&id).await.expect("allowed host");
    assert_eq!(file.text().await.unwrap(), "JPEG");
    assert_eq!(
        foreign.seen(),
        [("/file".to_string(), "Bearer EAAG-token-7".to_string())]
    );
}

/// `baton serve` with every secret set and request logging on: neither
/// the startup lines nor a request carrying the verify token in its query
/// put a secret in the log.
#[tokio::test]
async fn serve_logs_no_secrets() {
    baton::install_crypto_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("baton.db").display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.env_clear()
        .envs(secret_env())
        .env("DATABASE_URL", &db)
        .env("BATON_LISTEN", "127.0.0.1:0")
        .env("BATON_KB_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/kb"))
        .env("BATON_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,baton=debug,tower_http=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("start baton");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    for pipe in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    drop(tx);
    let mut log = Vec::new();
    let mut addr = None;
    while addr.is_none() {
        let line = match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(l) => l,
            Err(e) => {
                let _ = child.kill();
                panic!("baton did not start ({e}):\n{}", log.join("\n"));
            }
        };
        if line.contains("Baton is listening") {
            let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
            addr = v["fields"]["listen"].as_str().map(String::from);
        }
        log.push(line);
    }
    let base = format!("http://{}", addr.expect("address"));
    let client = reqwest::Client::new();
    let r = client
        .get(format!(
            "{base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-token-7&hub.challenge=42"
        ))
        .send()
        .await
        .expect("handshake");
    assert_eq!(r.text().await.unwrap(), "42");
    let r = client
        .get(format!("{base}/metrics"))
        .bearer_auth("metrics-token-7")
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
    // The readers end with the process's pipes.
    log.extend(rx.iter());
    let log = log.join("\n");
    assert!(
        log.contains("/webhooks/whatsapp"),
        "requests are logged:\n{log}"
    );
    assert!(
        log.contains("127.0.0.1:9"),
        "the callback host is logged:\n{log}"
    );
    assert_no_secret(&log);
}
