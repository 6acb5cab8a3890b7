//! `itinera`: the command-line front door. Glue only: each subcommand parses its arguments and
//! calls the library crates; all semantics live there.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod schema;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Schema(args) => schema::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("itinera: {err:#}");
            ExitCode::from(2)
        }
    }
}
