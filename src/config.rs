//! Every environment variable Baton reads, typed, defaulted and validated.
//!
//! Variables are read by clap as plain strings ([`Settings`], whose doc
//! comments are the documentation `baton --help` prints) and then checked
//! all together ([`Settings::validate`]), so a bad deployment learns about
//! every problem at once, each naming its variable and the expected form.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

/// Raw settings as given in the environment (or as flags). Deliberately
/// not `Debug`: it holds secrets in the clear.
#[derive(Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub handover: crate::handover::HandoverArgs,
    /// Address the HTTP server listens on.
    #[arg(long, env = "BATON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// `sqlite://path` (or a bare file path) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://baton.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Maximum PostgreSQL connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value = "16")]
    pub database_max_connections: String,
    /// How long a PostgreSQL query waits for a free connection (or for the
    /// database to answer a new one) before the request fails with 503.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT", default_value = "1s")]
    pub database_acquire_timeout: String,
    /// SQLite commit durability: `full` (each acknowledged write is on disk,
    /// surviving a power loss) or `normal` (faster; a power loss may drop
    /// the last commits, a process crash does not).
    #[arg(long, env = "BATON_SQLITE_SYNC", default_value = "full")]
    pub sqlite_sync: String,
    /// Folder of Markdown knowledge-base articles loaded at startup.
    #[arg(long, env = "BATON_KB_DIR", default_value = "kb")]
    pub kb_dir: String,
    /// Bearer token for the admin API. When unset a random one is generated
    /// at startup and printed once.
    #[arg(long, env = "BATON_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Public base URL of this gateway (used in links and the widget).
    #[arg(long, env = "BATON_PUBLIC_URL", hide_env_values = true)]
    pub public_url: Option<String>,
    /// Log format: `pretty` or `json`.
    #[arg(long, env = "BATON_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// Largest request body accepted, e.g. `3MiB`, `512KiB`, `1048576`.
    #[arg(long, env = "BATON_BODY_LIMIT", default_value = "3MiB")]
    pub body_limit: String,
    /// Longest time a request may take before it is answered 408.
    #[arg(long, env = "BATON_REQUEST_TIMEOUT", default_value = "30s")]
    pub request_timeout: String,
    /// Longest time a client may take to send a request's headers before
    /// the connection is closed (a trickling client holds a connection).
    #[arg(long, env = "BATON_HEADER_TIMEOUT", default_value = "10s")]
    pub header_timeout: String,
    /// API requests per second allowed per token (bursts of twice that).
    #[arg(long, env = "BATON_API_RATE_LIMIT", default_value = "200")]
    pub api_rate_limit: String,
    /// How long shutdown waits for in-flight sends.
    #[arg(long, env = "BATON_SHUTDOWN_GRACE", default_value = "10s")]
    pub shutdown_grace: String,
    /// The office's time zone, an IANA name such as `Europe/Berlin`: office
    /// hours, closed dates, "once per day" and due times are in it.
    #[arg(long, env = "BATON_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    /// When agents are at work, e.g. `mon-fri 09:00-17:00; sat 09:00-13:00`
    /// (`;` between rules, `,` between ranges, `24h`, `closed`). Unset:
    /// always open.
    #[arg(long, env = "OFFICE_HOURS")]
    pub office_hours: Option<String>,
    /// Holidays, closed all day: `YYYY-MM-DD` dates separated by `,`.
    #[arg(long, env = "OFFICE_CLOSED_DATES")]
    pub office_closed_dates: Option<String>,
    /// URL Baton POSTs API-channel replies to. Enables the API channel's
    /// outbound side.
    #[arg(long, env = "API_CHANNEL_CALLBACK_URL", hide_env_values = true)]
    pub api_channel_callback_url: Option<String>,
    /// Standard Webhooks secret (`whsec_…` or any string) signing callbacks.
    #[arg(long, env = "API_CHANNEL_SECRET", hide_env_values = true)]
    pub api_channel_secret: Option<String>,
    /// Callback requests per second to the API channel's receiver.
    #[arg(long, env = "API_CHANNEL_MPS", default_value = "50")]
    pub api_channel_mps: String,
    /// URL Baton POSTs every event to (signed, retried through the outbox).
    #[arg(long, env = "EVENTS_WEBHOOK_URL", hide_env_values = true)]
    pub events_webhook_url: Option<String>,
    /// Standard Webhooks secret (`whsec_…` or any string) signing events.
    #[arg(long, env = "EVENTS_WEBHOOK_SECRET", hide_env_values = true)]
    pub events_webhook_secret: Option<String>,
    /// Event kinds sent to the webhook, comma-separated (e.g.
    /// `handover.requested,message.created`); unset: every kind.
    #[arg(long, env = "EVENTS_WEBHOOK_KINDS")]
    pub events_webhook_kinds: Option<String>,
    /// Attempts before an outbound message is given up on.
    #[arg(long, env = "OUTBOX_MAX_ATTEMPTS", default_value = "12")]
    pub outbox_max_attempts: String,
    /// First retry delay; doubles each attempt, with jitter.
    #[arg(long, env = "OUTBOX_RETRY_BASE", default_value = "2s")]
    pub outbox_retry_base: String,
    /// Longest retry delay.
    #[arg(long, env = "OUTBOX_RETRY_MAX", default_value = "10m")]
    pub outbox_retry_max: String,
    /// Sends in flight at once.
    #[arg(long, env = "OUTBOX_CONCURRENCY", default_value = "64")]
    pub outbox_concurrency: String,
    /// How long a delivery worker's claim on an outbox row lasts; renewed
    /// while the row waits in the process, taken over by another worker or
    /// instance once it runs out.
    #[arg(long, env = "OUTBOX_LEASE", default_value = "60s")]
    pub outbox_lease: String,
    /// Timeout of one outbound HTTP request.
    #[arg(long, env = "SEND_TIMEOUT", default_value = "15s")]
    pub send_timeout: String,
    /// Bot failures (KB misses, "that didn't help", repeated questions)
    /// before it hands over with reason `failed_to_resolve`.
    #[arg(long, env = "BOT_MAX_FAILURES", default_value = "2")]
    pub bot_max_failures: String,
    /// Hand over at the first knowledge-base miss (`lack_of_information`).
    #[arg(long, env = "HANDOVER_ON_KB_MISS", default_value = "true")]
    pub handover_on_kb_miss: String,
    /// The bot does not answer customer messages older than this (a backlog
    /// after downtime); they stay visible to agents.
    #[arg(long, env = "BOT_MAX_MESSAGE_AGE", default_value = "15m")]
    pub bot_max_message_age: String,
    /// Minimum search confidence (0–1) for the bot to answer with an article.
    #[arg(long, env = "BOT_ANSWER_THRESHOLD", default_value = "0.46")]
    pub bot_answer_threshold: String,
    /// Extra human-request patterns (regular expressions, `;`-separated),
    /// matched case-insensitively against the customer's message.
    #[arg(long, env = "BOT_HUMAN_PATTERNS")]
    pub bot_human_patterns: Option<String>,
    /// Division for handovers no rule routes (default: the first created).
    #[arg(long, env = "BATON_DEFAULT_DIVISION")]
    pub default_division: Option<String>,
    /// OpenAI-compatible API base, e.g. `https://api.openai.com/v1` or
    /// `http://127.0.0.1:11434/v1` (Ollama). Enables the LLM.
    #[arg(long, env = "LLM_BASE_URL", hide_env_values = true)]
    pub llm_base_url: Option<String>,
    /// API key for the LLM endpoint (sent as a bearer token).
    #[arg(long, env = "LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<String>,
    /// Model name for the LLM endpoint.
    #[arg(long, env = "LLM_MODEL", default_value = "gpt-4o-mini")]
    pub llm_model: String,
    /// Longest wait for one LLM call before falling back to the plain bot.
    #[arg(long, env = "LLM_TIMEOUT", default_value = "8s")]
    pub llm_timeout: String,
    /// Permanent access token of the Meta app's system user.
    #[arg(long, env = "WHATSAPP_ACCESS_TOKEN", hide_env_values = true)]
    pub whatsapp_access_token: Option<String>,
    /// Phone number id(s) this gateway serves, comma-separated.
    #[arg(long, env = "WHATSAPP_PHONE_NUMBER_ID")]
    pub whatsapp_phone_number_id: Option<String>,
    /// The Meta app's secret: verifies `X-Hub-Signature-256` on webhooks.
    #[arg(long, env = "WHATSAPP_APP_SECRET", hide_env_values = true)]
    pub whatsapp_app_secret: Option<String>,
    /// The token you type in Meta's webhook settings (verification handshake).
    #[arg(long, env = "WHATSAPP_VERIFY_TOKEN", hide_env_values = true)]
    pub whatsapp_verify_token: Option<String>,
    /// Graph API base with version.
    #[arg(
        long,
        env = "WHATSAPP_API_BASE",
        default_value = "https://graph.facebook.com/v23.0",
        hide_env_values = true
    )]
    pub whatsapp_api_base: String,
    /// Messages per second per business number.
    #[arg(long, env = "WHATSAPP_MPS", default_value = "80")]
    pub whatsapp_mps: String,
    /// Messages a single customer may receive in a burst before pacing
    /// (Meta's pair limit: about one message per 6 s sustained).
    #[arg(long, env = "WHATSAPP_PAIR_BURST", default_value = "5")]
    pub whatsapp_pair_burst: String,
    /// Sustained interval between messages to one customer.
    #[arg(long, env = "WHATSAPP_PAIR_INTERVAL", default_value = "6s")]
    pub whatsapp_pair_interval: String,
    /// How long a message whose send timed out (Meta may have accepted it)
    /// waits for Meta's status webhook to confirm it before it is sent
    /// again.
    #[arg(long, env = "WHATSAPP_CONFIRM_WAIT", default_value = "30s")]
    pub whatsapp_confirm_wait: String,
    /// Template sent instead of a free-form agent reply outside the 24-hour
    /// window, as `name:language` (e.g. `reengage:en_US`).
    #[arg(long, env = "WHATSAPP_REENGAGE_TEMPLATE")]
    pub whatsapp_reengage_template: Option<String>,
    /// Hosts media download URLs may point at (comma-separated; an entry
    /// covers its subdomains). The access token goes to these and the
    /// Graph API base's host only; a download URL elsewhere is refused.
    #[arg(
        long,
        env = "WHATSAPP_MEDIA_HOSTS",
        default_value = "lookaside.fbsbx.com"
    )]
    pub whatsapp_media_hosts: String,
    /// Bearer token `/metrics` requires. Unset: `/metrics` is open.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Wrong bearer tokens allowed per client address per minute (bursts
    /// of as many); beyond, every token from that address is answered 429.
    #[arg(long, env = "BATON_AUTH_FAILURE_LIMIT", default_value = "20")]
    pub auth_failure_limit: String,
    /// Behind a reverse proxy: key the failed-token budget by the client
    /// address the proxy appends to `X-Forwarded-For` (its last entry)
    /// instead of the proxy's own address. Only set it when every request
    /// comes through a proxy that appends it.
    #[arg(long, env = "BATON_TRUST_FORWARDED_FOR", default_value = "false")]
    pub trust_forwarded_for: String,
    /// An online agent not seen (no authenticated request) for this long
    /// counts as away and is not assigned conversations; `0` = never away.
    #[arg(long, env = "AGENT_AWAY_AFTER", default_value = "30m")]
    pub agent_away_after: String,
}

/// The WhatsApp channel, when configured.
#[derive(Debug, Clone)]
pub struct WhatsappConfig {
    pub access_token: SecretString,
    pub phone_number_ids: Vec<String>,
    pub app_secret: SecretString,
    pub verify_token: SecretString,
    pub api_base: String,
    pub mps: u32,
    pub pair_burst: u32,
    pub pair_interval: Duration,
    pub confirm_wait: Duration,
    pub reengage_template: Option<baton_channel::Template>,
    pub media_hosts: Vec<String>,
}

/// The LLM endpoint, when configured.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub model: String,
    pub timeout: Duration,
}

/// The bot's settings.
#[derive(Debug, Clone)]
pub struct BotSettings {
    pub max_failures: i64,
    pub handover_on_kb_miss: bool,
    pub max_message_age: Duration,
    pub answer_threshold: f32,
    pub human_patterns: Vec<String>,
    pub default_division: Option<String>,
    pub llm: Option<LlmConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The API channel's outbound side.
#[derive(Debug, Clone)]
pub struct ApiChannelConfig {
    pub callback_url: String,
    pub secret: SecretString,
    pub mps: u32,
}

/// The events webhook.
#[derive(Debug, Clone)]
pub struct EventsWebhookConfig {
    pub url: String,
    pub secret: SecretString,
    /// `None`: every kind.
    pub kinds: Option<Vec<String>>,
}

/// Who may call what: `/metrics`'s token and the failed-auth budget.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub metrics_token: Option<SecretString>,
    /// Wrong tokens per client address per minute.
    pub failure_limit: u32,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub sqlite_sync: crate::store::SqliteSync,
    pub database_acquire_timeout: Duration,
    pub kb_dir: PathBuf,
    pub admin_token: Option<SecretString>,
    pub public_url: Option<String>,
    pub log_format: LogFormat,
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub header_timeout: Duration,
    pub api_rate_limit: u32,
    pub shutdown_grace: Duration,
    /// `OFFICE_HOURS`, `OFFICE_CLOSED_DATES` and `BATON_TIMEZONE`.
    pub office_hours: crate::handover::OfficeHours,
    pub api_channel: Option<ApiChannelConfig>,
    pub events_webhook: Option<EventsWebhookConfig>,
    pub outbox: OutboxConfig,
    pub bot: BotSettings,
    pub whatsapp: Option<WhatsappConfig>,
    pub auth: AuthConfig,
    pub handover: crate::handover::HandoverConfig,
    /// `AGENT_AWAY_AFTER` (`None`: agents never go away).
    pub agent_away_after: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct OutboxConfig {
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub concurrency: usize,
    pub send_timeout: Duration,
    pub lease: Duration,
}

/// Collects every problem instead of stopping at the first.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check<T, E: std::fmt::Display>(
        &mut self,
        var: &str,
        form: &str,
        r: Result<T, E>,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(format!("{var}: {e} (expected {form})"));
                None
            }
        }
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("`{s}` is not a duration: {e}"))
}

pub fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1_000_000,
        "mib" | "m" => 1024 * 1024,
        _ => return Err(format!("`{s}` has an unknown unit")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn parse_url(s: &str) -> Result<String, String> {
    let t = s.trim();
    match reqwest::Url::parse(t) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(t.to_string()),
        Ok(_) => Err(format!("`{}` is not an http(s) URL", redact_url(s))),
        Err(e) => Err(format!("`{}` is not a URL: {e}", redact_url(s))),
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(s: &str) -> Result<T, String> {
    match s.trim().parse::<T>() {
        Ok(v) if v > T::default() => Ok(v),
        _ => Err(format!("`{s}` is not a positive whole number")),
    }
}

pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("`{s}` is not a boolean")),
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Settings {
    /// Turns raw settings into a [`Config`], or every problem found.
    pub fn validate(&self) -> Result<Config, Vec<String>> {
        let mut p = Problems::default();
        let listen = p.check(
            "BATON_LISTEN",
            "host:port, e.g. 127.0.0.1:8080",
            self.listen.trim().parse::<SocketAddr>(),
        );
        let database_max_connections = p.check(
            "DATABASE_MAX_CONNECTIONS",
            "a positive whole number",
            positive::<u32>(&self.database_max_connections),
        );
        let log_format = p.check(
            "BATON_LOG_FORMAT",
            "pretty or json",
            match self.log_format.trim() {
                "pretty" => Ok(LogFormat::Pretty),
                "json" => Ok(LogFormat::Json),
                other => Err(format!("`{other}` is not a log format")),
            },
        );
        let body_limit = p.check(
            "BATON_BODY_LIMIT",
            "a size such as 3MiB",
            parse_bytes(&self.body_limit),
        );
        let request_timeout = p.check(
            "BATON_REQUEST_TIMEOUT",
            "a duration such as 30s",
            parse_duration(&self.request_timeout),
        );
        let header_timeout = p
            .check(
                "BATON_HEADER_TIMEOUT",
                "a duration such as 10s",
                parse_duration(&self.header_timeout).and_then(|d| {
                    if d.is_zero() {
                        Err("must be more than zero".to_string())
                    } else {
                        Ok(d)
                    }
                }),
            )
            .unwrap_or_default();
        let api_rate_limit = p.check(
            "BATON_API_RATE_LIMIT",
            "a positive whole number",
            positive::<u32>(&self.api_rate_limit),
        );
        let shutdown_grace = p.check(
            "BATON_SHUTDOWN_GRACE",
            "a duration such as 10s",
            parse_duration(&self.shutdown_grace),
        );
        let public_url = non_empty(&self.public_url)
            .and_then(|u| p.check("BATON_PUBLIC_URL", "an http(s) URL", parse_url(u)));
        let api_mps = p.check(
            "API_CHANNEL_MPS",
            "a positive whole number",
            positive::<u32>(&self.api_channel_mps),
        );
        let callback = non_empty(&self.api_channel_callback_url)
            .and_then(|u| p.check("API_CHANNEL_CALLBACK_URL", "an http(s) URL", parse_url(u)));
        let secret = non_empty(&self.api_channel_secret);
        if let Some(sec) = secret {
            p.check(
                "API_CHANNEL_SECRET",
                "whsec_ followed by base64, or a secret without the whsec_ prefix",
                baton_channel_api::WebhookSecret::parse(sec).map(|_| ()),
            );
        }
        if callback.is_some() && secret.is_none() {
            p.0.push("API_CHANNEL_SECRET: missing (expected a signing secret when API_CHANNEL_CALLBACK_URL is set)".into());
        }
        let events_webhook = self.events_webhook_settings(&mut p);
        let outbox = OutboxConfig {
            max_attempts: p
                .check(
                    "OUTBOX_MAX_ATTEMPTS",
                    "a positive whole number",
                    positive::<u32>(&self.outbox_max_attempts),
                )
                .unwrap_or(1),
            retry_base: p
                .check(
                    "OUTBOX_RETRY_BASE",
                    "a duration such as 2s",
                    parse_duration(&self.outbox_retry_base),
                )
                .unwrap_or_default(),
            retry_max: p
                .check(
                    "OUTBOX_RETRY_MAX",
                    "a duration such as 10m",
                    parse_duration(&self.outbox_retry_max),
                )
                .unwrap_or_default(),
            concurrency: p
                .check(
                    "OUTBOX_CONCURRENCY",
                    "a positive whole number",
                    positive::<usize>(&self.outbox_concurrency),
                )
                .unwrap_or(1),
            send_timeout: p
                .check(
                    "SEND_TIMEOUT",
                    "a duration such as 15s",
                    parse_duration(&self.send_timeout),
                )
                .unwrap_or_default(),
            lease: p
                .check(
                    "OUTBOX_LEASE",
                    "a duration of at least 1s such as 60s",
                    parse_duration(&self.outbox_lease).and_then(|d| {
                        if d >= Duration::from_secs(1) {
                            Ok(d)
                        } else {
                            Err("shorter than 1s".to_string())
                        }
                    }),
                )
                .unwrap_or(Duration::from_secs(60)),
        };
        let database_acquire_timeout = p
            .check(
                "DATABASE_ACQUIRE_TIMEOUT",
                "a duration such as 1s",
                parse_duration(&self.database_acquire_timeout),
            )
            .unwrap_or(Duration::from_secs(1));
        let sqlite_sync = p
            .check(
                "BATON_SQLITE_SYNC",
                "`full` or `normal`",
                self.sqlite_sync.parse::<crate::store::SqliteSync>(),
            )
            .unwrap_or_default();
        let office_hours = self.office_hours_settings(&mut p);
        let bot = self.bot_settings(&mut p);
        let handover = self
            .handover
            .validate()
            .map_err(|problems| p.0.extend(problems))
            .unwrap_or_default();
        let whatsapp = self.whatsapp_settings(&mut p);
        let auth = AuthConfig {
            metrics_token: non_empty(&self.metrics_token)
                .map(|t| SecretString::from(t.to_string())),
            failure_limit: p
                .check(
                    "BATON_AUTH_FAILURE_LIMIT",
                    "a positive whole number",
                    positive::<u32>(&self.auth_failure_limit),
                )
                .unwrap_or(1),
            trust_forwarded_for: p
                .check(
                    "BATON_TRUST_FORWARDED_FOR",
                    "true or false",
                    parse_bool(&self.trust_forwarded_for),
                )
                .unwrap_or(false),
        };
        let agent_away_after = p
            .check(
                "AGENT_AWAY_AFTER",
                "a duration such as 30m, or 0 for never",
                parse_duration(&self.agent_away_after),
            )
            .filter(|d| !d.is_zero());
        if !p.0.is_empty() {
            return Err(p.0);
        }
        // Every `check` above succeeded, so the options are all `Some`.
        let (
            Some(listen),
            Some(database_max_connections),
            Some(log_format),
            Some(body_limit),
            Some(request_timeout),
            Some(api_rate_limit),
            Some(shutdown_grace),
            Some(api_mps),
        ) = (
            listen,
            database_max_connections,
            log_format,
            body_limit,
            request_timeout,
            api_rate_limit,
            shutdown_grace,
            api_mps,
        )
        else {
            return Err(vec!["internal: configuration incomplete".into()]);
        };
        Ok(Config {
            listen,
            database_url: SecretString::from(self.database_url.trim().to_string()),
            database_max_connections,
            sqlite_sync,
            database_acquire_timeout,
            kb_dir: PathBuf::from(self.kb_dir.trim()),
            admin_token: non_empty(&self.admin_token).map(|t| SecretString::from(t.to_string())),
            public_url,
            log_format,
            body_limit,
            request_timeout,
            header_timeout,
            api_rate_limit,
            shutdown_grace,
            office_hours,
            api_channel: match (callback, secret) {
                (Some(callback_url), Some(secret)) => Some(ApiChannelConfig {
                    callback_url,
                    secret: SecretString::from(secret.to_string()),
                    mps: api_mps,
                }),
                _ => None,
            },
            events_webhook,
            outbox,
            bot,
            whatsapp,
            auth,
            handover,
            agent_away_after,
        })
    }

    fn events_webhook_settings(&self, p: &mut Problems) -> Option<EventsWebhookConfig> {
        let url = non_empty(&self.events_webhook_url)
            .and_then(|u| p.check("EVENTS_WEBHOOK_URL", "an http(s) URL", parse_url(u)));
        let secret = non_empty(&self.events_webhook_secret);
        if let Some(sec) = secret {
            p.check(
                "EVENTS_WEBHOOK_SECRET",
                "whsec_ followed by base64, or a secret without the whsec_ prefix",
                baton_channel_api::WebhookSecret::parse(sec).map(|_| ()),
            )?;
        }
        let kinds = non_empty(&self.events_webhook_kinds).and_then(|k| {
            let list: Vec<String> = k
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let bad = list.iter().find(|k| {
                !k.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            });
            let checked = match bad {
                Some(b) => Err(format!("`{b}` is not an event kind")),
                None => Ok(list),
            };
            p.check(
                "EVENTS_WEBHOOK_KINDS",
                "comma-separated event kinds, e.g. handover.requested,message.created",
                checked,
            )
        });
        match (url, secret) {
            (Some(url), Some(secret)) => Some(EventsWebhookConfig {
                url,
                secret: SecretString::from(secret.to_string()),
                kinds,
            }),
            (Some(_), None) => {
                p.0.push("EVENTS_WEBHOOK_SECRET: missing (expected a signing secret when EVENTS_WEBHOOK_URL is set)".into());
                None
            }
            _ => None,
        }
    }

    fn whatsapp_settings(&self, p: &mut Problems) -> Option<WhatsappConfig> {
        let token = non_empty(&self.whatsapp_access_token);
        let numbers = non_empty(&self.whatsapp_phone_number_id);
        let secret = non_empty(&self.whatsapp_app_secret);
        let verify = non_empty(&self.whatsapp_verify_token);
        let given = [token, numbers, secret, verify];
        if given.iter().all(Option::is_none) {
            return None;
        }
        // Some but not all: a half-configured channel is a mistake to report.
        for (value, var) in given.iter().zip([
            "WHATSAPP_ACCESS_TOKEN",
            "WHATSAPP_PHONE_NUMBER_ID",
            "WHATSAPP_APP_SECRET",
            "WHATSAPP_VERIFY_TOKEN",
        ]) {
            if value.is_none() {
                p.0.push(format!(
                    "{var}: missing (expected it with the other WHATSAPP_* variables)"
                ));
            }
        }
        let ids: Vec<String> = numbers
            .map(|n| {
                n.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if numbers.is_some()
            && (ids.is_empty() || ids.iter().any(|i| !i.chars().all(|c| c.is_ascii_digit())))
        {
            p.0.push(
                "WHATSAPP_PHONE_NUMBER_ID: expected comma-separated numeric phone number ids"
                    .into(),
            );
        }
        let api_base = p.check(
            "WHATSAPP_API_BASE",
            "an http(s) URL",
            parse_url(&self.whatsapp_api_base),
        );
        let mps = p.check(
            "WHATSAPP_MPS",
            "a positive whole number",
            positive::<u32>(&self.whatsapp_mps),
        );
        let pair_burst = p.check(
            "WHATSAPP_PAIR_BURST",
            "a positive whole number",
            positive::<u32>(&self.whatsapp_pair_burst),
        );
        let pair_interval = p.check(
            "WHATSAPP_PAIR_INTERVAL",
            "a duration such as 6s",
            parse_duration(&self.whatsapp_pair_interval),
        );
        let confirm_wait = p.check(
            "WHATSAPP_CONFIRM_WAIT",
            "a duration such as 30s",
            parse_duration(&self.whatsapp_confirm_wait),
        );
        let reengage_template = non_empty(&self.whatsapp_reengage_template).and_then(|t| {
            p.check(
                "WHATSAPP_REENGAGE_TEMPLATE",
                "name:language, e.g. reengage:en_US",
                match t.split_once(':') {
                    Some((name, lang)) if !name.trim().is_empty() && !lang.trim().is_empty() => {
                        Ok(baton_channel::Template {
                            name: name.trim().to_string(),
                            language: lang.trim().to_string(),
                        })
                    }
                    _ => Err(format!("`{t}` is not name:language")),
                },
            )
        });
        Some(WhatsappConfig {
            access_token: SecretString::from(token?.to_string()),
            phone_number_ids: ids,
            app_secret: SecretString::from(secret?.to_string()),
            verify_token: SecretString::from(verify?.to_string()),
            api_base: api_base?,
            mps: mps?,
            pair_burst: pair_burst?,
            pair_interval: pair_interval?,
            confirm_wait: confirm_wait?,
            reengage_template,
            media_hosts: self
                .whatsapp_media_hosts
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        })
    }

    fn office_hours_settings(&self, p: &mut Problems) -> crate::handover::OfficeHours {
        let hours = self.office_hours.as_deref().unwrap_or("");
        let closed = self.office_closed_dates.as_deref().unwrap_or("");
        match crate::handover::OfficeHours::parse_all(hours, closed, &self.timezone) {
            Ok(office_hours) => office_hours,
            Err(problems) => {
                for (var, problem) in problems {
                    let form = match var {
                        "OFFICE_HOURS" => "rules such as `mon-fri 09:00-17:00; sat 09:00-13:00`",
                        "OFFICE_CLOSED_DATES" => "`YYYY-MM-DD` dates separated by `,`",
                        _ => "an IANA time zone such as `Europe/Berlin`",
                    };
                    p.check::<(), _>(var, form, Err(problem));
                }
                crate::handover::OfficeHours::default()
            }
        }
    }

    fn bot_settings(&self, p: &mut Problems) -> BotSettings {
        let human_patterns: Vec<String> = non_empty(&self.bot_human_patterns)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        for pat in &human_patterns {
            p.check(
                "BOT_HUMAN_PATTERNS",
                "`;`-separated regular expressions",
                regex::Regex::new(pat).map(|_| ()),
            );
        }
        let llm = non_empty(&self.llm_base_url)
            .and_then(|u| p.check("LLM_BASE_URL", "an http(s) URL", parse_url(u)))
            .map(|base_url| LlmConfig {
                base_url,
                api_key: non_empty(&self.llm_api_key).map(|k| SecretString::from(k.to_string())),
                model: self.llm_model.trim().to_string(),
                timeout: p
                    .check(
                        "LLM_TIMEOUT",
                        "a duration such as 8s",
                        parse_duration(&self.llm_timeout),
                    )
                    .unwrap_or_default(),
            });
        BotSettings {
            max_failures: p
                .check(
                    "BOT_MAX_FAILURES",
                    "a positive whole number",
                    positive::<i64>(&self.bot_max_failures),
                )
                .unwrap_or(2),
            handover_on_kb_miss: p
                .check(
                    "HANDOVER_ON_KB_MISS",
                    "true or false",
                    parse_bool(&self.handover_on_kb_miss),
                )
                .unwrap_or(true),
            max_message_age: p
                .check(
                    "BOT_MAX_MESSAGE_AGE",
                    "a duration such as 15m",
                    parse_duration(&self.bot_max_message_age),
                )
                .unwrap_or_default(),
            answer_threshold: p
                .check(
                    "BOT_ANSWER_THRESHOLD",
                    "a number between 0 and 1",
                    self.bot_answer_threshold
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|v| (0.0..=1.0).contains(v))
                        .ok_or_else(|| format!("`{}` is out of range", self.bot_answer_threshold)),
                )
                .unwrap_or(0.46),
            human_patterns,
            default_division: non_empty(&self.default_division).map(String::from),
            llm,
        }
    }
}

impl Config {
    /// A human-readable summary with secrets redacted (`baton check`).
    pub fn describe(&self) -> String {
        let db = redact_url(self.database_url.expose_secret());
        let mut s = format!(
            "listen: {}\ndatabase: {db}\nknowledge base: {}\nadmin token: {}\n",
            self.listen,
            self.kb_dir.display(),
            if self.admin_token.is_some() {
                "set"
            } else {
                "not set (a random one is generated at startup)"
            },
        );
        s.push_str("channels:\n");
        match &self.api_channel {
            Some(a) => s.push_str(&format!(
                "  api: enabled (callback {})\n",
                redact_url(&a.callback_url)
            )),
            None => s.push_str("  api: inbound only (API_CHANNEL_CALLBACK_URL not set)\n"),
        }
        match &self.events_webhook {
            Some(e) => s.push_str(&format!(
                "events webhook: {} ({})\n",
                redact_url(&e.url),
                e.kinds
                    .as_ref()
                    .map_or("every kind".into(), |k| k.join(", "))
            )),
            None => s.push_str("events webhook: off (EVENTS_WEBHOOK_URL not set)\n"),
        }
        match &self.whatsapp {
            Some(w) => s.push_str(&format!(
                "  whatsapp: enabled (numbers {}, {} msg/s each, API {})\n",
                w.phone_number_ids.join(", "),
                w.mps,
                redact_url(&w.api_base)
            )),
            None => s.push_str("  whatsapp: disabled (WHATSAPP_* not set)\n"),
        }
        s.push_str(&format!(
            "bot: max failures {}, handover on KB miss {}, answer threshold {}\n",
            self.bot.max_failures, self.bot.handover_on_kb_miss, self.bot.answer_threshold
        ));
        s.push_str(&format!("office hours: {}\n", self.office_hours));
        match &self.bot.llm {
            Some(l) => s.push_str(&format!(
                "llm: {} (model {})\n",
                redact_url(&l.base_url),
                l.model
            )),
            None => s.push_str("llm: off (LLM_BASE_URL not set)\n"),
        }
        s
    }
}

/// Hides the user-info (user name and password) of a URL, or of every
/// URL in a text such as a driver's error.
pub fn redact_url(url: &str) -> String {
    baton_channel::redact_userinfo(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        s: Settings,
    }

    fn settings(args: &[&str]) -> Settings {
        let mut all = vec!["baton"];
        all.extend_from_slice(args);
        Cli::parse_from(all).s
    }

    #[test]
    fn defaults_are_valid() {
        let c = settings(&[]).validate().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.body_limit, 3 * 1024 * 1024);
        assert!(c.api_channel.is_none());
    }

    #[test]
    fn every_problem_is_reported_with_its_variable() {
        let errs = settings(&[
            "--listen",
            "nowhere",
            "--log-format",
            "xml",
            "--body-limit",
            "3 parsecs",
            "--outbox-retry-base",
            "soon",
            "--api-channel-callback-url",
            "ftp://x",
        ])
        .validate()
        .unwrap_err();
        let vars: Vec<&str> = errs.iter().map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(
            vars,
            [
                "BATON_LISTEN",
                "BATON_LOG_FORMAT",
                "BATON_BODY_LIMIT",
                "API_CHANNEL_CALLBACK_URL",
                "OUTBOX_RETRY_BASE"
            ]
        );
        assert!(errs[0].contains("expected host:port"), "{}", errs[0]);
    }

    #[test]
    fn callback_needs_a_secret_and_secrets_do_not_leak() {
        let errs = settings(&["--api-channel-callback-url", "http://127.0.0.1:9/cb"])
            .validate()
            .unwrap_err();
        assert!(errs[0].starts_with("API_CHANNEL_SECRET"));
        let c = settings(&[
            "--api-channel-callback-url",
            "http://127.0.0.1:9/cb",
            "--api-channel-secret",
            "hunter2",
            "--database-url",
            "postgres://u:pw@127.0.0.1/db",
        ])
        .validate()
        .unwrap();
        let shown = format!("{c:?}\n{}", c.describe());
        assert!(
            !shown.contains("hunter2") && !shown.contains(":pw@"),
            "{shown}"
        );
        assert!(shown.contains("api: enabled"));
    }

    #[test]
    fn bad_office_hours_and_time_zone_stop_validation_naming_each_variable() {
        let errs = settings(&[
            "--office-hours",
            "mon-fri 9-17",
            "--office-closed-dates",
            "2026-02-30",
            "--timezone",
            "Mars/Olympus",
        ])
        .validate()
        .unwrap_err();
        let vars: Vec<&str> = errs.iter().map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(
            vars,
            ["OFFICE_HOURS", "OFFICE_CLOSED_DATES", "BATON_TIMEZONE"],
            "{errs:?}"
        );
        assert!(errs[0].contains("`9` is not a time"), "{}", errs[0]);
        assert!(errs[2].contains("`Mars/Olympus`"), "{}", errs[2]);

        let c = settings(&[
            "--office-hours",
            "mon-fri 09:00-17:00",
            "--timezone",
            "Asia/Jakarta",
        ])
        .validate()
        .unwrap();
        assert!(c.office_hours.has_schedule());
        assert_eq!(c.office_hours.time_zone_name(), "Asia/Jakarta");
        assert!(
            c.describe()
                .contains("office hours: mon-fri 09:00-17:00 (Asia/Jakarta)"),
            "{}",
            c.describe()
        );
        // Unset: always open, in UTC.
        let c = settings(&[]).validate().unwrap();
        assert!(!c.office_hours.has_schedule());
        assert_eq!(c.office_hours.time_zone_name(), "UTC");
    }

    #[test]
    fn events_webhook_settings_are_checked() {
        let errs = settings(&[
            "--events-webhook-url",
            "http://127.0.0.1:9/ev",
            "--events-webhook-kinds",
            "message.created, Bad Kind",
        ])
        .validate()
        .unwrap_err();
        assert!(errs[0].starts_with("EVENTS_WEBHOOK_KINDS"), "{errs:?}");
        assert!(
            errs[1].starts_with("EVENTS_WEBHOOK_SECRET: missing"),
            "{errs:?}"
        );
        let errs = settings(&[
            "--events-webhook-url",
            "http://127.0.0.1:9/ev",
            "--events-webhook-secret",
            "whsec_not*base64",
        ])
        .validate()
        .unwrap_err();
        assert!(errs[0].starts_with("EVENTS_WEBHOOK_SECRET"), "{errs:?}");
        assert!(!errs[0].contains("not*base64"), "the secret is not shown");
        let c = settings(&[
            "--events-webhook-url",
            "http://127.0.0.1:9/ev",
            "--events-webhook-secret",
            "hunter2",
            "--events-webhook-kinds",
            "handover.requested,message.created",
        ])
        .validate()
        .unwrap();
        let e = c.events_webhook.as_ref().unwrap();
        assert_eq!(
            e.kinds.as_deref().unwrap(),
            ["handover.requested", "message.created"]
        );
        assert!(!format!("{c:?}{}", c.describe()).contains("hunter2"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("512KiB").unwrap(), 512 * 1024);
        assert_eq!(parse_bytes("1048576").unwrap(), 1 << 20);
        assert!(parse_bytes("1 parsec").is_err());
    }
}
