//! Wiring: store, channels, bot, router, workers, HTTP; graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use baton_channel_api::{ApiChannel, WebhookSecret};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::batch::Writer;
use crate::bot::kb::Kb;
use crate::bot::llm::Llm;
use crate::bot::{BotConfig, KbBot, article, intent::HumanRequestDetector};
use crate::config::{Config, redact_url};
use crate::conversation::{Clock, SystemClock};
use crate::http::{self, ApiLimiter, AppState, AuthFailures, WhatsappHook};
use crate::ingest::Ingestor;
use crate::metrics::Metrics;
use crate::outbox::{Outbox, Pacing};
use crate::router::{BeforeBot, Bot, Router, RouterConfig};
use crate::store::{OpenOptions, Store};
use baton_channel_whatsapp::WhatsappChannel;

/// Knobs tests (and embedders) may turn; the defaults are production's.
pub struct AppOptions {
    pub bot: Option<Arc<dyn Bot>>,
    pub clock: Option<Arc<dyn Clock>>,
    pub router: RouterConfig,
    /// How often the outbox poller looks for due rows.
    pub poll_every: Duration,
    /// How often an event stream reads the table for events committed by
    /// other instances (PostgreSQL only).
    pub events_poll_every: Duration,
    /// How often the timer scheduler looks for due pauses and tasks.
    pub timers_every: Duration,
    /// Test pause points (none armed in production).
    #[doc(hidden)]
    pub hooks: crate::hooks::Hooks,
    /// The in-memory duplicate cache in front of the dedup key; tests of
    /// the key itself turn it off.
    #[doc(hidden)]
    pub inbound_cache: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            bot: None,
            clock: None,
            router: RouterConfig::default(),
            poll_every: Duration::from_millis(500),
            events_poll_every: Duration::from_secs(1),
            timers_every: Duration::from_secs(1),
            hooks: crate::hooks::Hooks::default(),
            inbound_cache: true,
        }
    }
}

/// Runs the gateway on `listener` until `shutdown` resolves.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(config, listener, shutdown, AppOptions::default()).await
}

pub async fn open_store(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Store> {
    let url = config.database_url.expose_secret();
    let options = OpenOptions {
        max_connections: config.database_max_connections,
        acquire_timeout: config.database_acquire_timeout,
        sqlite_sync: config.sqlite_sync,
    };
    Store::open_with(url, &options, clock).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database {}: {}",
            redact_url(url),
            redact_url(&e.to_string())
        )
    })
}

pub async fn run_with(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: AppOptions,
) -> anyhow::Result<()> {
    crate::install_crypto_provider();
    let clock = options.clock.unwrap_or_else(|| Arc::new(SystemClock));
    let mut store = open_store(&config, clock).await?.with_hooks(options.hooks);
    if let Some(w) = &config.events_webhook {
        store = store.with_events_webhook(crate::events::WebhookKinds::new(w.kinds.clone()));
    }
    // A SQLite file serves one gateway process, so leases found at startup
    // were left by a process that died: release them now instead of
    // waiting for them to expire. (PostgreSQL may be shared by several
    // instances; there the leases run out on their own.)
    store.release_leases_after_restart().await?;
    let metrics = Arc::new(Metrics::default());
    let client = reqwest::Client::builder()
        .timeout(config.outbox.send_timeout)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("Baton/", env!("CARGO_PKG_VERSION")))
        // Graph API calls and signed callbacks go exactly where configured;
        // a redirect would resend a signed body somewhere else.
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let writer = Writer::start(store.clone(), metrics.clone());
    let mut outbox = Outbox::new(
        store.clone(),
        writer.clone(),
        config.outbox.clone(),
        metrics.clone(),
    );
    match &config.api_channel {
        Some(api) => {
            let secret = WebhookSecret::parse(api.secret.expose_secret())
                .map_err(|e| anyhow::anyhow!("API_CHANNEL_SECRET: {e}"))?;
            let channel = ApiChannel::new(client.clone(), api.callback_url.clone(), secret);
            outbox = outbox.with_channel(
                Arc::new(channel),
                Pacing {
                    per_destination: Some(api.mps),
                    per_recipient: None,
                },
            );
            tracing::info!(callback = %redact_url(&api.callback_url), "API channel enabled");
        }
        None => tracing::info!("API channel replies disabled: API_CHANNEL_CALLBACK_URL is not set"),
    }

    if let Some(w) = &config.events_webhook {
        let secret = WebhookSecret::parse(w.secret.expose_secret())
            .map_err(|e| anyhow::anyhow!("EVENTS_WEBHOOK_SECRET: {e}"))?;
        outbox = outbox.with_events_webhook(crate::events::EventsWebhook::new(
            client.clone(),
            w.url.clone(),
            secret,
        ));
        tracing::info!(url = %redact_url(&w.url), "events webhook enabled");
    }

    let whatsapp = config.whatsapp.as_ref().map(|w| {
        let channel = WhatsappChannel::new(
            client.clone(),
            &w.api_base,
            w.access_token.expose_secret().to_string(),
            w.phone_number_ids.clone(),
        )
        .with_confirmation_wait(w.confirm_wait)
        .with_media_hosts(w.media_hosts.clone());
        tracing::info!(numbers = ?w.phone_number_ids, api = %redact_url(&w.api_base), "WhatsApp channel enabled");
        Arc::new(WhatsappHook {
            channel,
            app_secret: w.app_secret.clone(),
            verify_token: w.verify_token.clone(),
            numbers: w.phone_number_ids.clone(),
            reengage_template: w.reengage_template.clone(),
        })
    });
    match (&whatsapp, &config.whatsapp) {
        (Some(hook), Some(w)) => {
            outbox = outbox.with_channel(
                Arc::new(hook.channel.clone()),
                Pacing {
                    per_destination: Some(w.mps),
                    per_recipient: Some((w.pair_interval, w.pair_burst)),
                },
            );
        }
        _ => tracing::info!("WhatsApp channel disabled: WHATSAPP_* variables are not set"),
    }

    let kb = Arc::new(Kb::new(config.bot.answer_threshold));
    import_kb_dir(&store, &config.kb_dir).await;
    kb.sync(&store).await?;
    tracing::info!(articles = kb.index().len(), "knowledge base loaded");
    let (bot, kb_bot): (Arc<dyn Bot>, Option<Arc<KbBot>>) = match options.bot {
        Some(b) => (b, None),
        None => {
            let b = Arc::new(build_bot(
                &config,
                kb.clone(),
                store.clone(),
                client.clone(),
            )?);
            (b.clone(), Some(b))
        }
    };
    let mut router_config = options.router;
    router_config.max_message_age_ms = config.bot.max_message_age.as_millis() as i64;
    let engine = Arc::new(crate::handover::Engine {
        config: Arc::new(config.handover.clone()),
        office: config.office_hours.clone(),
        presence: crate::handover::Presence::new(config.agent_away_after),
    });
    let router = Router::new(
        store.clone(),
        writer.clone(),
        bot,
        outbox.clone(),
        metrics.clone(),
        router_config,
    )
    .with_handover(engine.clone());
    let router = match &whatsapp {
        Some(hook) => router.with_before_bot(typing_indicator(hook.channel.clone())),
        None => router,
    };
    let ingestor = Ingestor::start(
        writer,
        router.clone(),
        metrics.clone(),
        options.inbound_cache,
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    router.spawn_recovery(Duration::from_secs(5), stop_rx.clone());
    spawn_kb_sync(kb.clone(), store.clone(), stop_rx.clone());
    spawn_receipt_pruning(store.clone(), stop_rx.clone());
    tokio::spawn(outbox.clone().run_renewer(stop_rx.clone()));
    let timers = tokio::spawn(
        crate::handover::Timers::new(store.clone(), outbox.clone())
            .with_reassign(reassign_after_silence(engine.clone(), store.clone()))
            .run(options.timers_every, stop_rx.clone()),
    );
    let poller = tokio::spawn(outbox.clone().run_poller(
        options.poll_every,
        stop_rx.clone(),
        config.shutdown_grace,
    ));

    let admin_token = match &config.admin_token {
        Some(t) => t.clone(),
        None => {
            let t: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
            // Shown once, on the terminal, so a first run is usable; set
            // BATON_ADMIN_TOKEN to keep one across restarts.
            eprintln!("BATON_ADMIN_TOKEN is not set; this run's admin token is: {t}");
            SecretString::from(t)
        }
    };
    let (streams_stop, streams_stopped) = watch::channel(false);
    let event_streams = crate::events::stream::StreamOptions {
        // One process's bus does not carry another's events; the
        // PostgreSQL database may be shared by several instances.
        poll_every: (store.dialect() == crate::store::Dialect::Postgres)
            .then_some(options.events_poll_every),
        stop: streams_stopped,
    };
    let state = AppState {
        event_streams,
        store: store.clone(),
        ingestor,
        outbox,
        metrics,
        admin_token: Arc::new(admin_token),
        limiter: Arc::new(ApiLimiter::new(config.api_rate_limit)),
        auth_failures: Arc::new(AuthFailures::new(config.auth.failure_limit)),
        trust_forwarded_for: config.auth.trust_forwarded_for,
        metrics_token: config.auth.metrics_token.clone().map(Arc::new),
        kb,
        bot: kb_bot,
        whatsapp,
        handover: Arc::new(config.handover.clone()),
        presence: crate::handover::Presence::new(config.agent_away_after),
    };
    let app = http::router(state, config.body_limit, config.request_timeout);
    tracing::info!(listen = %listener.local_addr()?, "Baton is listening");
    // Event streams never end on their own: they are told to at shutdown,
    // or the server would wait for every open one.
    let shutdown = async move {
        shutdown.await;
        let _ = streams_stop.send(true);
    };
    http::serve(listener, app, config.header_timeout, shutdown).await;
    tracing::info!("HTTP server stopped; finishing in-flight sends");
    let _ = stop_tx.send(true);
    let _ = timers.await;
    let _ = poller.await;
    store.close().await;
    Ok(())
}

/// The timers' hook for reassignment after silence.
fn reassign_after_silence(
    engine: Arc<crate::handover::Engine>,
    store: Store,
) -> crate::handover::timers::ReassignDue {
    Arc::new(move |now| {
        let (engine, store) = (engine.clone(), store.clone());
        Box::pin(async move { Ok(engine.reassign_due(&store, now).await?) })
    })
}

/// The knowledge-base bot as configured.
pub fn build_bot(
    config: &Config,
    kb: Arc<Kb>,
    store: Store,
    client: reqwest::Client,
) -> anyhow::Result<KbBot> {
    let human = HumanRequestDetector::new(&config.bot.human_patterns)
        .map_err(|e| anyhow::anyhow!("BOT_HUMAN_PATTERNS: {e}"))?;
    let llm = config.bot.llm.as_ref().map(|l| {
        tracing::info!(base = %redact_url(&l.base_url), model = %l.model, "LLM enabled");
        Llm::new(
            client,
            &l.base_url,
            l.api_key.clone(),
            l.model.clone(),
            l.timeout,
        )
    });
    let bot_config = BotConfig {
        max_failures: config.bot.max_failures,
        handover_on_kb_miss: config.bot.handover_on_kb_miss,
        default_division: config.bot.default_division.clone(),
        ..BotConfig::default()
    };
    Ok(KbBot::new(kb, store, human, llm, bot_config))
}

/// Imports `BATON_KB_DIR` into the database at startup. A missing folder
/// is not fatal: the knowledge base may be managed through the API alone.
async fn import_kb_dir(store: &Store, dir: &std::path::Path) {
    match article::load_dir(dir) {
        Ok((articles, problems)) => {
            for p in &problems {
                tracing::warn!("knowledge base: skipped {p}");
            }
            match store.import_articles(&articles).await {
                Ok((n, removed)) => {
                    tracing::info!(imported = n, removed, dir = %dir.display(), "knowledge base imported")
                }
                Err(e) => tracing::error!(error = %e, "importing the knowledge base failed"),
            }
        }
        Err(e) => tracing::warn!("knowledge base folder not imported: {e}"),
    }
}

/// Keeps the in-memory index in step with the database (other instances
/// or `baton kb import` may change it).
fn spawn_kb_sync(kb: Arc<Kb>, store: Store, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = stop.changed() => return,
            }
            match kb.sync(&store).await {
                Ok(true) => tracing::info!(articles = kb.index().len(), "knowledge base reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "checking the knowledge base failed"),
            }
        }
    });
}

/// Prunes status receipts every ten minutes (see
/// `Store::prune_status_receipts`): parked ones after an hour, all after a
/// week, so statuses for ids Baton never sent cannot pile up.
fn spawn_receipt_pruning(store: Store, mut stop: watch::Receiver<bool>) {
    const HOUR_MS: i64 = 3_600_000;
    tokio::spawn(async move {
        loop {
            match store.prune_status_receipts(HOUR_MS, 7 * 24 * HOUR_MS).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "pruned status receipts"),
                Err(e) => tracing::warn!(error = %e, "pruning status receipts failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// WhatsApp: mark the customer's message read and show "typing…" while
/// the bot answers. Fire and forget; a failure only costs the indicator.
fn typing_indicator(channel: WhatsappChannel) -> BeforeBot {
    Arc::new(move |conversation, message| {
        if conversation.channel != crate::conversation::ChannelKind::Whatsapp {
            return;
        }
        let Some(wamid) = message.channel_message_id.clone() else {
            return;
        };
        let channel = channel.clone();
        let account = conversation.account.clone();
        tokio::spawn(async move {
            if let Err(e) = channel.mark_read_typing(account.as_deref(), &wamid).await {
                tracing::debug!(error = %e, "mark-as-read failed");
            }
        });
    })
}
