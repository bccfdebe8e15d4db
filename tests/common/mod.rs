//! Test harness: the real app on 127.0.0.1:0 over a real database, and a
//! real local HTTP receiver standing in for the outside world.
#![allow(dead_code)]

pub mod graph;
pub mod llm;
pub mod receiver;
pub mod wa;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use baton::app::AppOptions;
use baton::config::Settings;
use clap::Parser;
use serde_json::{Value, json};

pub const ADMIN: &str = "test-admin-token";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database URL for one test. PostgreSQL tests need
/// `BATON_TEST_POSTGRES_URL` and fail loudly without it or when the server
/// does not answer: a skipped database suite must never look green.
pub async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("baton.db").display()),
        Backend::Postgres => {
            let base = std::env::var("BATON_TEST_POSTGRES_URL")
                .expect("BATON_TEST_POSTGRES_URL must be set to run the PostgreSQL suite");
            let name = format!(
                "baton_t_{}",
                (0..12).map(|_| fastrand::lowercase()).collect::<String>()
            );
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&base)
                .await
                .unwrap_or_else(|e| {
                    panic!("PostgreSQL at BATON_TEST_POSTGRES_URL is unreachable: {e}")
                });
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
            format!("{prefix}/{name}")
        }
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    s: Settings,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    pub database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub struct Setup {
    pub backend: Backend,
    pub args: Vec<String>,
    pub options: AppOptions,
    pub dir: Option<Arc<tempfile::TempDir>>,
    pub database_url: Option<String>,
}

impl Setup {
    /// An app whose bot acknowledges every message (tests of the plumbing);
    /// `with_kb_bot` switches to the real knowledge-base bot.
    pub fn new(backend: Backend) -> Self {
        let options = AppOptions {
            bot: Some(Arc::new(baton::bot::Acknowledger::default())),
            ..AppOptions::default()
        };
        Setup {
            backend,
            args: Vec::new(),
            options,
            dir: None,
            database_url: None,
        }
    }

    pub fn arg(mut self, flag: &str, value: &str) -> Self {
        self.args.push(format!("--{flag}"));
        self.args.push(value.to_string());
        self
    }

    pub fn callback(self, url: &str, secret: &str) -> Self {
        self.arg("api-channel-callback-url", url)
            .arg("api-channel-secret", secret)
    }

    pub fn with_kb_bot(mut self) -> Self {
        self.options.bot = None;
        self
    }

    /// Pause points the test arms (see `baton::hooks`).
    pub fn hooks(mut self, hooks: &baton::hooks::Hooks) -> Self {
        self.options.hooks = hooks.clone();
        self
    }

    /// Every inbound delivery meets the database's unique key (no
    /// in-memory duplicate cache in front of it).
    pub fn without_inbound_cache(mut self) -> Self {
        self.options.inbound_cache = false;
        self
    }

    pub fn bot(mut self, bot: Arc<dyn baton::router::Bot>) -> Self {
        self.options.bot = Some(bot);
        self
    }

    /// Reuse another app's database (a restart).
    pub fn same_database(mut self, app: &TestApp) -> Self {
        self.dir = Some(app.dir.clone());
        self.database_url = Some(app.database_url.clone());
        self
    }

    pub async fn start(self) -> TestApp {
        baton::install_crypto_provider();
        let dir = self
            .dir
            .unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("temp dir")));
        let database_url = match self.database_url {
            Some(u) => u,
            None => database_url(self.backend, &dir).await,
        };
        let kb = concat!(env!("CARGO_MANIFEST_DIR"), "/kb");
        let mut argv = vec![
            "baton".to_string(),
            "--kb-dir".into(),
            kb.into(),
            "--database-url".into(),
            database_url.clone(),
            "--admin-token".into(),
            ADMIN.into(),
            "--outbox-retry-base".into(),
            "50ms".into(),
            "--outbox-retry-max".into(),
            "200ms".into(),
        ];
        argv.extend(self.args);
        let config = Cli::parse_from(argv)
            .s
            .validate()
            .expect("valid test config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(baton::app::run_with(
            config,
            listener,
            shutdown,
            self.options,
        ));
        let app = TestApp {
            base,
            client: reqwest::Client::new(),
            dir,
            database_url,
            stop: Some(stop),
            task: Some(task),
        };
        wait_until("the app answers /healthz", || async {
            app.client
                .get(app.url("/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        app
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(ADMIN)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(ADMIN)
    }

    /// Posts a customer message through the API channel.
    pub async fn inbound(&self, external_id: &str, handle: &str, text: &str) -> reqwest::Response {
        self.post("/api/v1/inbound")
            .json(&json!({"external_id": external_id, "contact": {"handle": handle, "name": "Test"}, "text": text}))
            .send()
            .await
            .expect("inbound request")
    }

    /// GET with the admin token, answered as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("a JSON answer")
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(ADMIN)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(ADMIN)
    }

    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(self.url(path)).bearer_auth(ADMIN)
    }

    /// Waits until the router has handled the inbound message with this
    /// channel message id (the bot answered, stayed silent, or handed over).
    pub async fn wait_routed(&self, channel_message_id: &str) {
        let store = baton::store::Store::open(
            &self.database_url,
            1,
            Arc::new(baton::conversation::SystemClock),
        )
        .await
        .expect("open store");
        wait_until(&format!("{channel_message_id} is routed"), || async {
            store
                .db()
                .fetch_optional(
                    "SELECT routed_at FROM messages WHERE channel_message_id = $1",
                    baton::params![channel_message_id],
                )
                .await
                .expect("query")
                .and_then(|r| r.opt_i64("routed_at").expect("column"))
                .is_some()
        })
        .await;
        store.close().await;
    }

    /// Posts a new customer message and returns its conversation id.
    pub async fn converse(&self, external_id: &str, handle: &str, text: &str) -> i64 {
        let r = self.inbound(external_id, handle, text).await;
        assert_eq!(r.status(), 201, "a new message is created");
        let body: Value = r.json().await.expect("json");
        body["conversation_id"].as_i64().expect("conversation_id")
    }

    /// An admin takes the conversation over (the bot falls silent).
    pub async fn takeover(&self, id: i64) -> Value {
        let r = self
            .post(&format!("/api/v1/conversations/{id}/takeover"))
            .send()
            .await
            .expect("takeover");
        assert_eq!(r.status(), 200, "takeover");
        r.json().await.expect("json")
    }

    /// The conversation's messages, oldest first.
    pub async fn messages(&self, id: i64) -> Vec<Value> {
        self.conversation(id).await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The first message by `author`, if any.
    pub async fn message_by(&self, id: i64, author: &str) -> Option<Value> {
        self.messages(id)
            .await
            .into_iter()
            .find(|m| m["author"] == author)
    }

    /// Waits until the first message by `author` has reached `delivery`.
    pub async fn wait_delivery(&self, id: i64, author: &str, delivery: &str) -> Value {
        wait_until(&format!("the {author} message is {delivery}"), || async {
            self.message_by(id, author)
                .await
                .is_some_and(|m| m["delivery"] == delivery)
        })
        .await;
        self.message_by(id, author).await.expect("message")
    }

    pub async fn conversation(&self, id: i64) -> Value {
        let r = self
            .get(&format!("/api/v1/conversations/{id}"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        r.json().await.expect("json")
    }

    /// Stops the app gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("app task").expect("app ran cleanly");
        }
    }
}

/// Polls `check` every 20 ms for up to 15 s; panics naming `what`.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Generates a SQLite test and a PostgreSQL test from one async fn taking a
/// [`Backend`]. The PostgreSQL one is ignored by a plain `cargo test` (it
/// says so in the summary) and run by `.ci/run` with `--ignored`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL suite: set BATON_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )+};
}
