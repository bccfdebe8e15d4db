//! The `baton` command: serve (default), migrate, check.

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's allocator: the gateway allocates many small,
/// short-lived buffers across worker threads, where glibc's arena locks
/// showed up in profiles as contention (futex wakes) and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tracing_subscriber::EnvFilter;

use baton::config::{LogFormat, Settings};

#[derive(Parser)]
#[command(
    name = "baton",
    version,
    about = "A bot and a human support team behind one WhatsApp number, a chat widget and an email address"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration and print what is enabled (secrets redacted).
    Check,
    /// Knowledge-base maintenance.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Import a folder of Markdown articles into the database (articles
    /// from an earlier import that are gone from the folder are removed).
    Import { dir: std::path::PathBuf },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match cli.settings.validate() {
        Ok(c) => c,
        Err(problems) => {
            eprintln!(
                "baton: the configuration has {} problem(s):",
                problems.len()
            );
            for p in problems {
                eprintln!("  - {p}");
            }
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("baton: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let listener = tokio::net::TcpListener::bind(config.listen)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("cannot listen on {} (BATON_LISTEN): {e}", config.listen)
                    })?;
                baton::app::run(config, listener, shutdown_signal()).await
            }
            Command::Migrate => {
                let clock = std::sync::Arc::new(baton::conversation::SystemClock);
                let store = baton::app::open_store(&config, clock).await?;
                println!("database is up to date");
                store.close().await;
                Ok(())
            }
            Command::Kb {
                command: KbCommand::Import { dir },
            } => {
                let (articles, problems) =
                    baton::bot::article::load_dir(&dir).map_err(|e| anyhow::anyhow!(e))?;
                for p in &problems {
                    eprintln!("skipped {p}");
                }
                let clock = std::sync::Arc::new(baton::conversation::SystemClock);
                let store = baton::app::open_store(&config, clock).await?;
                let (n, removed) = store.import_articles(&articles).await?;
                println!(
                    "imported {n} article(s), removed {removed}; running gateways reload within 5 s"
                );
                store.close().await;
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(anyhow::anyhow!("{} file(s) skipped", problems.len()))
                }
            }
            Command::Check => {
                print!("{}", config.describe());
                println!("configuration OK");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baton: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}
