//! `itinera`: the command-line front door. Glue only: each subcommand parses its arguments and
//! calls the library crates; all semantics live there.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod schema;
mod serve;
mod simulate;
mod validate;

#[derive(Parser)]
#[command(name = "itinera", version, about = "Design, validate and simulate customer journeys")]
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
    /// Serve the editor's backend (and with --ui the editor) on 127.0.0.1.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("itinera: {err:#}");
            ExitCode::from(2)
        }
    }
}
