//! The durable engine's commands — glue over itinera-runtime (docs/engine.md):
//!
//! * `itinera publish FILE.journey.json --db DB [--json] [--dry-run] [--migrate]`, or
//!   `--server URL --token TOKEN` to publish to a running `itinera serve` (`POST /v1/journeys`)
//! * `itinera contacts import --db DB FILE.jsonl|-`
//! * `itinera events push --db DB FILE.jsonl|-`
//! * `itinera run --db DB [--sink record:PATH] [--until-done]`
//! * `itinera status --db DB [--json]`
//! * `itinera pause|resume|archive JOURNEY --db DB [--version N]`
//! * `itinera replay JOURNEY SCENARIO --engine sqlite [--db DB] [--json] [--contacts all|ID,...]`
//!
//! Exit codes: 0 done; 1 the journey has errors (publish, replay); 2 anything unusable (a file
//! that cannot be read, a bad line, a database error).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use itinera_engine::{Clock, SystemClock};
use itinera_runtime::intake::{self, PublishOptions};
use itinera_runtime::{Error, Options, Service, Sinks};
use itinera_sim::Detail;
use itinera_store::{Store, VersionStatus};

use crate::simulate::{Inputs, JsonReport, finish, print_diagnostics, read_inputs};

/// `itinera publish`.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// The journey (`*.journey.json`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The engine's database (created when missing).
    #[arg(long, value_name = "DB", required_unless_present = "server", conflicts_with = "server")]
    db: Option<PathBuf>,
    /// Publish to a running `itinera serve` instead (e.g. https://journeys.example.com).
    #[arg(long, value_name = "URL", requires = "token")]
    server: Option<String>,
    /// A `publish` token of that server (itinera token create --scope publish); default
    /// $ITINERA_TOKEN.
    #[arg(long, value_name = "TOKEN", env = "ITINERA_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print `{"journey", "version", "changed", "impact", "migrated"}`.
    #[arg(long)]
    json: bool,
    /// Validate and show the change impact; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Move contacts waiting at nodes the new version keeps (same id and type) to it.
    #[arg(long)]
    migrate: bool,
    /// The seed the version's splits draw from.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// `itinera contacts ...`.
#[derive(clap::Subcommand)]
pub enum ContactsCommand {
    /// Upsert contacts by id, one JSON object per line (`id`, `timezone`, `attributes`, `addresses`, `consent`).
    Import(LinesArgs),
}

/// `itinera events ...`.
#[derive(clap::Subcommand)]
pub enum EventsCommand {
    /// Add events and replies, one JSON object per line; idempotent by `id`.
    Push(LinesArgs),
}

/// A database and a JSON-lines file.
#[derive(clap::Args)]
pub struct LinesArgs {
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// The file (`-`: standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// `itinera run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// `record:PATH`: record every outgoing message and webhook call to PATH (one JSON line each)
    /// instead of performing it. Without it, messages are recorded to DB.records.jsonl (no
    /// provider is configured) and webhooks are called over HTTP.
    #[arg(long, value_name = "SINK")]
    sink: Option<String>,
    /// Exit 0 once nothing is left to do: no input, timer or outbox row pending.
    #[arg(long)]
    until_done: bool,
    /// Inputs applied per transaction.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    batch: usize,
    /// Seconds a webhook call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    webhook_timeout: u64,
}

/// `itinera status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Only this journey.
    #[arg(long, value_name = "ID")]
    journey: Option<String>,
}

/// `itinera pause|resume|archive`.
#[derive(clap::Args)]
pub struct VersionArgs {
    /// The journey id.
    #[arg(value_name = "JOURNEY")]
    journey: String,
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// The version (default: the latest).
    #[arg(long, value_name = "N")]
    version: Option<u32>,
}

/// `itinera replay`.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The journey (`*.journey.json`).
    #[arg(value_name = "JOURNEY")]
    journey: PathBuf,
    /// The scenario (`*.scenario.json`).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// The engine to drive: `sqlite`, the durable engine.
    #[arg(long, value_name = "ENGINE", value_parser = ["sqlite"], required = true)]
    engine: String,
    /// A new database file to keep (default: a temporary one, removed afterwards).
    #[arg(long, value_name = "DB")]
    db: Option<PathBuf>,
    /// Print the report as JSON (exactly `itinera simulate --json`'s shape).
    #[arg(long)]
    json: bool,
    /// `all`, or contact ids separated by commas: whose steps and messages to keep.
    #[arg(long, value_name = "all|ID,...")]
    contacts: Option<String>,
    /// Show this contact's timeline (without --json).
    #[arg(long, value_name = "ID")]
    contact: Option<String>,
    /// Print the engine's figures (inputs, steps, transactions, elapsed) to stderr.
    #[arg(long)]
    figures: bool,
}

fn open(db: &Path) -> anyhow::Result<Store> {
    Store::open(db).with_context(|| format!("cannot open the database {}", db.display()))
}

fn read_input(file: &Path) -> anyhow::Result<(String, String)> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
        return Ok(("-".to_string(), text));
    }
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    Ok((name, text))
}

/// `itinera publish`.
pub fn publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let (name, text) = read_input(&args.file)?;
    let published = match (&args.server, &args.db) {
        (Some(server), _) => match publish_remote(server, args.token.as_deref().unwrap_or_default(), &name, &text, &args)? {
            Some(published) => published,
            None => return Ok(ExitCode::from(1)),
        },
        (None, Some(db)) => {
            let mut store = open(db)?;
            let options = PublishOptions { dry_run: args.dry_run, migrate: args.migrate, seed: args.seed };
            match intake::publish(&mut store, &text, &options, SystemClock.now()) {
                Ok(p) => serde_json::to_value(&p)?,
                Err(Error::Invalid { diagnostics, .. }) => {
                    print_diagnostics(&name, &diagnostics, "nothing was published");
                    return Ok(ExitCode::from(1));
                }
                Err(err) => return Err(err).with_context(|| format!("cannot publish {name}")),
            }
        }
        (None, None) => bail!("give --db DB or --server URL"),
    };
    let published: PublishedView = serde_json::from_value(published).context("the server's answer is not a publish result")?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &published)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let word = match (published.dry_run, published.changed) {
        (true, _) => "would publish",
        (false, true) => "published",
        (false, false) => "unchanged",
    };
    writeln!(out, "{word} {} v{}", published.journey, published.version)?;
    for i in &published.impact {
        let fate = match (i.kept, args.migrate && !published.dry_run) {
            (false, _) => "node gone or changed type in the new version: they stay on their version".to_string(),
            (true, true) => format!("moved to the new version (except {} waiting for a send's result)", i.in_flight),
            (true, false) => "node kept: --migrate would move them".to_string(),
        };
        writeln!(out, "  v{} {} ({}): {} waiting; {fate}", i.version, i.node, i.node_type, i.waiting)?;
    }
    if published.migrated > 0 {
        writeln!(out, "  migrated {} contact(s)", published.migrated)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What publishing did, as printed: the local [`intake::Published`] or a server's answer.
#[derive(serde::Deserialize, serde::Serialize)]
struct PublishedView {
    journey: String,
    version: u32,
    changed: bool,
    impact: Vec<ImpactView>,
    #[serde(default)]
    migrated: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct ImpactView {
    version: u32,
    node: String,
    #[serde(rename = "type")]
    node_type: String,
    waiting: u64,
    kept: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    in_flight: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `POST URL/v1/journeys` (the service's one client of a server): the answer's JSON, or `None`
/// when the journey has errors (printed as the local publish prints them). Any other refusal is
/// an error with the server's status and message.
fn publish_remote(server: &str, token: &str, name: &str, text: &str, args: &PublishArgs) -> anyhow::Result<Option<serde_json::Value>> {
    if args.seed != 0 {
        bail!("--seed applies to --db only (the server picks its own)");
    }
    let remote = itinera_service::RemoteServer::new(server, token)?;
    match remote.publish(text, args.dry_run, args.migrate) {
        Ok(answer) => Ok(Some(answer)),
        Err(itinera_service::Error::Invalid { diagnostics, .. }) if !diagnostics.is_empty() => {
            print_diagnostics(name, &diagnostics, "nothing was published");
            Ok(None)
        }
        Err(err) => bail!("{server} refused the journey: {err}"),
    }
}

/// `itinera contacts import`.
pub fn contacts(command: ContactsCommand) -> anyhow::Result<ExitCode> {
    let ContactsCommand::Import(args) = command;
    let (name, text) = read_input(&args.file)?;
    let mut store = open(&args.db)?;
    let counted = match intake::import_contacts(&mut store, &name, &text, SystemClock.now()) {
        Ok(c) => c,
        Err(err @ Error::Input { .. }) => {
            eprintln!("itinera: {err}; nothing was imported");
            return Ok(ExitCode::from(2));
        }
        Err(err) => return Err(err.into()),
    };
    println!("imported {} contact(s), {} unchanged", counted.added, counted.unchanged);
    Ok(ExitCode::SUCCESS)
}

/// `itinera events push`.
pub fn events(command: EventsCommand) -> anyhow::Result<ExitCode> {
    let EventsCommand::Push(args) = command;
    let (name, text) = read_input(&args.file)?;
    let inputs = match intake::parse_inputs(&name, &text) {
        Ok(inputs) => inputs,
        Err(err) => {
            eprintln!("itinera: {err}; nothing was pushed");
            return Ok(ExitCode::from(2));
        }
    };
    let mut store = open(&args.db)?;
    let counted = intake::push_inputs(&mut store, &inputs, SystemClock.now())?;
    println!("pushed {} input(s), {} already known", counted.added, counted.unchanged);
    Ok(ExitCode::SUCCESS)
}

/// The sinks `run` (and `serve --db`) use.
pub fn sinks(db: &Path, sink: Option<&str>, webhook_timeout: Duration) -> anyhow::Result<(Sinks, String)> {
    match sink {
        Some(spec) => {
            let Some(path) = spec.strip_prefix("record:").filter(|p| !p.is_empty()) else {
                bail!("--sink {spec}: the only sink is record:PATH");
            };
            Ok((Sinks::record(path)?, format!("recording every message and webhook call to {path}")))
        }
        None => Ok(itinera_runtime::live::default_sinks(db, webhook_timeout)?),
    }
}

/// `itinera run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    // Opened here first so that a bad path is reported before anything starts.
    drop(open(&args.db)?);
    let (sinks, note) = sinks(&args.db, args.sink.as_deref(), Duration::from_secs(args.webhook_timeout.max(1)))?;
    eprintln!("itinera: {note}");
    let mut options = Options::new(&args.db);
    options.until_done = args.until_done;
    options.batch = args.batch.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        let handle = Service::start(options, sinks, Arc::new(SystemClock))?;
        let stopper = handle.clone();
        tokio::select! {
            result = handle.finished() => result.map_err(|e| anyhow::anyhow!(e)),
            () = shutdown_signal() => stopper.stop().await.map_err(|e| anyhow::anyhow!(e)),
        }
    });
    let totals = result?;
    eprintln!("itinera: applied {} input(s), {} step(s), {} outbox attempt(s)", totals.inputs, totals.steps, totals.attempts);
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `itinera status`.
pub fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let mut store = open(&args.db)?;
    let report = itinera_runtime::status::status(&mut store, args.journey.as_deref())?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if report.is_empty() {
        writeln!(out, "no journey is published in {}", args.db.display())?;
    }
    for v in &report {
        let latest = if v.latest { ", latest" } else { "" };
        writeln!(out, "{} v{}: {}{latest}, {} entered", v.journey, v.version, v.status.as_str(), v.entered)?;
        let outcomes: Vec<String> = v.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
        writeln!(out, "  outcomes: {}", outcomes.join(", "))?;
        if !v.waiting.is_empty() {
            let waiting: Vec<String> = v.waiting.iter().map(|(node, n)| format!("{node} {n}")).collect();
            writeln!(out, "  waiting: {}", waiting.join(", "))?;
        }
        for (channel, counts) in &v.messages {
            let counts: Vec<String> = counts.iter().map(|(w, n)| format!("{w} {n}")).collect();
            writeln!(out, "  {channel}: {}", counts.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `itinera pause|resume|archive`.
pub fn set_status(args: VersionArgs, status: VersionStatus) -> anyhow::Result<ExitCode> {
    let mut store = open(&args.db)?;
    let version = intake::set_status(&mut store, &args.journey, args.version, status, SystemClock.now())?;
    println!("{} v{version}: {}", args.journey, status.as_str());
    if status == VersionStatus::Archived {
        println!("contacts inside leave with outcome left (archived) when the engine next runs");
    }
    Ok(ExitCode::SUCCESS)
}

/// `itinera replay`.
pub fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let Inputs { journey_file, scenario_file, journey_text, journey, scenario } =
        match read_inputs(&args.journey, &args.scenario, "nothing was replayed")? {
            Ok(inputs) => inputs,
            Err(code) => return Ok(code),
        };
    // Publishing validates the text again: the durable engine's own gate (docs/engine.md).
    let (journey, _) = journey.into_parts();
    let detail = match (args.contacts.as_deref(), &args.contact) {
        (Some("all"), _) => Detail::All,
        (Some(ids), _) => Detail::Only(ids.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()),
        (None, Some(id)) => Detail::Only(vec![id.clone()]),
        (None, None) if !args.json => Detail::None,
        (None, None) => Detail::hand_written(&scenario),
    };
    if let Detail::Only(ids) = &detail
        && let Some(id) = ids.iter().find(|id| scenario.contact_index(id).is_none())
    {
        eprintln!("itinera: {scenario_file}: no contact with id `{id}`");
        return Ok(ExitCode::from(2));
    }
    // A database of its own: the given file (which must be new), else a temporary one.
    let scratch;
    let db = if let Some(db) = &args.db {
        if db.exists() {
            bail!("--db {}: the file exists; replay writes a new database", db.display());
        }
        db.clone()
    } else {
        scratch = tempfile_dir()?;
        scratch.path().join("replay.db")
    };
    let store = open(&db)?;
    let started = std::time::Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut json = args.json.then(|| JsonReport::new(&journey.id));
    let mut timeline = None;
    let (summary, figures) = itinera_runtime::replay::replay(&journey_text, &journey, &scenario, store, &detail, &mut |contact| {
        if let Some(json) = &mut json {
            json.contact(&mut out, &contact).map_err(|source| Error::Io { path: "standard output".into(), source })?;
        } else if args.contact.as_deref() == Some(contact.id.as_str()) {
            timeline = Some(contact);
        }
        Ok(())
    })
    .with_context(|| format!("cannot replay {journey_file} with {scenario_file}"))?;
    if args.figures {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "itinera: replay applied {} input(s) in {} transaction(s), {} step(s), {} outbox row(s) in {secs:.2} s ({:.0} steps/s)",
            figures.inputs,
            figures.batches,
            figures.steps,
            figures.effects,
            figures.steps as f64 / secs.max(1e-9)
        );
    }
    finish(&mut out, json, &summary, &journey, timeline.as_ref())?;
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix("itinera-replay").tempdir().context("cannot make a temporary folder")
}
