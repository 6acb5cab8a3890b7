//! `itinera serve [--ui] [--ui-dir PATH] [--dir FOLDER] [--port N] [--db DB] [--bind ADDR]
//! [--config itinera.toml]`: the editor's backend over HTTP on 127.0.0.1 (all semantics in
//! itinera-server / itinera-service); with `--db`, the bundled engine runs on DB, the editor's
//! Live view works and the `/v1` API answers (bearer tokens: `itinera token create`). `--dir` is
//! needed for the editor's file commands, optional with `--db`. `--bind` listens elsewhere for
//! `/v1` and the webhooks; the editor's routes answer loopback clients only. The API's secret is
//! `$ITINERA_API_TOKEN` when set (tests, the editor's dev server), else drawn at random; the
//! limits have flags (docs/security.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use itinera_server::{Limits, ServeOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Serve the built editor at / as well as the API at /api/*.
    #[arg(long)]
    ui: bool,
    /// The built editor (implies --ui). Default: $ITINERA_UI_DIR, else ui/dist of this
    /// repository, else ./ui/dist.
    #[arg(long, value_name = "PATH")]
    ui_dir: Option<PathBuf>,
    /// The folder of journeys to work on (the editor's files; optional with --db).
    #[arg(long, value_name = "FOLDER", required_unless_present = "db")]
    dir: Option<PathBuf>,
    /// Port (0 picks a free one; the real one is printed).
    #[arg(long, default_value_t = 7370)]
    port: u16,
    /// Address to listen on: 127.0.0.1 by default; 0.0.0.0 lets other machines reach /v1 and the
    /// webhooks (the editor's routes still answer loopback clients only).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// The server's configuration (providers, webhooks, sources).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Let the editor switch to another folder (open_folder); off by default.
    #[arg(long)]
    allow_open_folder: bool,
    /// The most contacts one simulation request may run.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_sim_contacts)]
    max_sim_contacts: usize,
    /// Seconds a request may take before it is answered 408 and its work cancelled.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().request_timeout.as_secs())]
    request_timeout: u64,
    /// Seconds a client has to send a request's headers (also closes idle connections).
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().header_read_timeout.as_secs())]
    header_timeout: u64,
    /// Connections served at once.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().body_bytes)]
    max_body: usize,
    /// Run the bundled engine on this database (created when missing) so that the editor can
    /// publish journeys and watch them live; messages are recorded to DB.records.jsonl.
    #[arg(long, value_name = "DB")]
    db: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    logging();
    let ui_dir = match (args.ui_dir, args.ui) {
        (Some(dir), _) => Some(dir),
        (None, true) => Some(default_ui_dir()),
        (None, false) => None,
    };
    let limits = Limits {
        body_bytes: args.max_body,
        header_read_timeout: Duration::from_secs(args.header_timeout.max(1)),
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        max_connections: args.max_connections.max(1),
        max_sim_contacts: args.max_sim_contacts,
    };
    let api_token = std::env::var("ITINERA_API_TOKEN").ok().filter(|t| !t.is_empty());
    let options = ServeOptions {
        dir: args.dir,
        port: args.port,
        bind: args.bind,
        config: args.config,
        extra_routes: None,
        engine_routes: None,
        ui_dir,
        allow_open_folder: args.allow_open_folder,
        api_token,
        limits,
        db: args.db,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let served = runtime.block_on(itinera_server::serve(options));
    // Work still running after shutdown was asked to stop; don't wait for it longer than this.
    runtime.shutdown_timeout(Duration::from_millis(500));
    served?;
    Ok(ExitCode::SUCCESS)
}

/// $ITINERA_UI_DIR, else the repository's ui/dist (when this binary was built from a checkout
/// that has one), else ./ui/dist.
fn default_ui_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ITINERA_UI_DIR") {
        return PathBuf::from(dir);
    }
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
    if repository.join("index.html").is_file() {
        return repository;
    }
    PathBuf::from("ui/dist")
}

/// Logs (refused webhooks, provider trouble) as text lines on stderr; `RUST_LOG` picks what
/// (default: warnings, and the server's own notes). Secrets are never in a log line.
fn logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
