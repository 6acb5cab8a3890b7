//! `itinera token create|list|revoke --db DB`: the bearer tokens of the server API (`/v1`).
//! A new token is printed once (the store keeps only its SHA-256); `list` never shows one.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use itinera_engine::{Clock, SystemClock};
use itinera_store::Store;
use itinera_store::tokens::Scope;

/// `itinera token ...`.
#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it (alone, on stdout) — the only time it is shown.
    Create(CreateArgs),
    /// List the tokens (id, name, scope, created, revoked); never the tokens themselves.
    List(ListArgs),
    /// Revoke a token by id: it is refused from now on.
    Revoke(RevokeArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// The engine's database (created when missing).
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// What the token allows: publish (journeys), ingest (contacts, events) or read (stats, timelines).
    #[arg(long, value_parser = ["publish", "ingest", "read"])]
    scope: String,
    /// A name to recognise it by in `token list`.
    #[arg(long, value_name = "NAME", default_value = "")]
    name: String,
    /// Print `{"id", "token", "scope"}`.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The token's id (`tok_...`, from `token list`).
    #[arg(value_name = "ID")]
    id: String,
    /// The engine's database.
    #[arg(long, value_name = "DB")]
    db: PathBuf,
}

fn open(db: &std::path::Path) -> anyhow::Result<Store> {
    Store::open(db).with_context(|| format!("cannot open the database {}", db.display()))
}

pub fn run(command: TokenCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        TokenCommand::Create(args) => {
            let scope = Scope::parse(&args.scope).context("--scope: publish, ingest or read")?;
            let mut store = open(&args.db)?;
            let tx = store.transaction()?;
            let made = tx.create_token(&args.name, scope, SystemClock.now())?;
            tx.commit()?;
            if args.json {
                serde_json::to_writer(&mut out, &serde_json::json!({"id": made.info.id, "token": made.token, "scope": scope}))?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", made.token)?;
                eprintln!("itinera: token {} ({scope}) made; it is shown only now", made.info.id);
            }
        }
        TokenCommand::List(args) => {
            let mut store = open(&args.db)?;
            let tokens = store.read()?.tokens()?;
            if args.json {
                serde_json::to_writer_pretty(&mut out, &tokens)?;
                writeln!(out)?;
            } else {
                for t in &tokens {
                    let revoked = t.revoked_at.map(|at| format!("  revoked {at}")).unwrap_or_default();
                    writeln!(
                        out,
                        "{}  {:<7}  {}  created {}{revoked}",
                        t.id,
                        t.scope.as_str(),
                        if t.name.is_empty() { "-" } else { &t.name },
                        t.created_at
                    )?;
                }
            }
        }
        TokenCommand::Revoke(args) => {
            let mut store = open(&args.db)?;
            let tx = store.transaction()?;
            let revoked = tx.revoke_token(&args.id, SystemClock.now())?;
            tx.commit()?;
            if !revoked {
                eprintln!("itinera: no live token {} (unknown, or revoked already)", args.id);
                return Ok(ExitCode::from(1));
            }
            writeln!(out, "revoked {}", args.id)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
