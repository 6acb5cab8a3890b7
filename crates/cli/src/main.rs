//! `itinera`: the command-line front door. Glue only: each subcommand parses its arguments and
//! calls the library crates; all semantics live there.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod engine;
mod schema;
mod serve;
mod simulate;
mod token;
mod validate;

#[derive(Parser)]
#[command(name = "itinera", version, about = "Design, validate, simulate and run customer journeys")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate journey files; exit 0 when none has errors, 1 when any has, 2 when one cannot be read.
    Validate(validate::Args),
    /// Replay a scenario's contacts through a journey on a virtual clock.
    Simulate(simulate::Args),
    /// Print the JSON Schema of a file format.
    Schema(schema::Args),
    /// Serve the editor's backend (and with --ui the editor) on 127.0.0.1; with --db also the engine and the /v1 API.
    Serve(serve::Args),
    /// Bearer tokens of the server API (/v1).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Publish a journey to the engine's database (validated first; an unchanged file makes no new version).
    Publish(engine::PublishArgs),
    /// Contacts in the engine's database.
    #[command(subcommand)]
    Contacts(engine::ContactsCommand),
    /// Inputs (events, replies) for the engine.
    #[command(subcommand)]
    Events(engine::EventsCommand),
    /// Run the engine on the real clock.
    Run(engine::RunArgs),
    /// What is running: per journey version its status, entries, waiting contacts, outcomes and messages.
    Status(engine::StatusArgs),
    /// Stop new entries into a journey version (contacts inside continue).
    Pause(engine::VersionArgs),
    /// Let a paused journey version take new entries again.
    Resume(engine::VersionArgs),
    /// Retire a journey version: no new entries, and contacts inside leave (outcome left, reason archived).
    Archive(engine::VersionArgs),
    /// Drive a scenario through the durable engine on a manual clock; prints the simulate report.
    Replay(engine::ReplayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Token(command) => token::run(command),
        Command::Publish(args) => engine::publish(args),
        Command::Contacts(command) => engine::contacts(command),
        Command::Events(command) => engine::events(command),
        Command::Run(args) => engine::run(args),
        Command::Status(args) => engine::status(args),
        Command::Pause(args) => engine::set_status(args, itinera_store::VersionStatus::Paused),
        Command::Resume(args) => engine::set_status(args, itinera_store::VersionStatus::Active),
        Command::Archive(args) => engine::set_status(args, itinera_store::VersionStatus::Archived),
        Command::Replay(args) => engine::replay(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("itinera: {err:#}");
            ExitCode::from(2)
        }
    }
}
