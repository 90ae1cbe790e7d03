//! The `tradewire` binary: parse the command line, load config, start
//! telemetry, run. Everything else lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;
use tradewire::fetch::Fetcher;
use tradewire::{app, batch, config::Config, loadgen, pipeline, shutdown, telemetry, App};

/// The engine allocates many small, short-lived buffers per article (tokens,
/// entity lists, the record's strings); mimalloc serves them with about 10 %
/// fewer instructions per article than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tradewire",
    version,
    about = "Streaming trade-news enrichment: Kafka in, enriched records out"
)]
struct Cli {
    /// Configuration file layered over the built-in defaults
    /// (environment variables TRADEWIRE__SECTION__KEY win over both).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
enum Command {
    /// Run the service (the default): consume, enrich, produce, serve HTTP.
    Run,
    /// Enrich raw articles given as JSON lines (stdin or --input) to stdout.
    Enrich {
        /// Read from this file instead of stdin.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Load-test the service end to end: start it with its embedded broker
    /// (or use --brokers), send generated articles, read the results, and
    /// report throughput, latency percentiles, dead letters and peak memory.
    Loadgen(loadgen::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging();
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => serve(cli.config),
        Command::Enrich { input } => enrich(cli.config, input),
        Command::Loadgen(options) => loadgen::main(options)
            .map(|ok| {
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            })
            .map_err(anyhow::Error::msg),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "tradewire stopped");
            eprintln!("tradewire: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn serve(config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let config = Config::load(config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tradewire-io")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let app = App::build(config).await?;
        let token = CancellationToken::new();
        shutdown::on_signal(token.clone());
        app.run(token).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn enrich(config: Option<PathBuf>, input: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let config = Config::load(config.as_deref())?;
    let enricher = app::load_enricher(&config)?;
    // Link-only articles are fetched one at a time on a small runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let fetcher = runtime.block_on(async { Fetcher::new(&config.fetch, None) })?;
    let fetch = |article| runtime.block_on(pipeline::fetch_body(&fetcher, article));
    let stdout = std::io::stdout().lock();
    let stderr = std::io::stderr().lock();
    let max = config.pipeline.max_message_bytes;
    let summary = match input {
        Some(path) => {
            let file = std::fs::File::open(&path)
                .with_context(|| format!("opening {}", path.display()))?;
            batch::run(
                &enricher,
                fetch,
                std::io::BufReader::new(file),
                stdout,
                stderr,
                max,
            )
        }
        None => batch::run(
            &enricher,
            fetch,
            std::io::stdin().lock(),
            stdout,
            stderr,
            max,
        ),
    }
    .context("enriching")?;
    tracing::debug!(
        enriched = summary.enriched,
        failed = summary.failed,
        "batch finished"
    );
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
