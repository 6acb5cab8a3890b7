//! `itinera schema [journey|scenario]`: prints the JSON Schema of a file format, generated with
//! schemars from the Rust types (the journey's from `itinera_model::Journey`, the scenario's
//! from the sim crate's parser types), as canonical JSON (sorted keys, so it diffs well). Both
//! are also committed, as docs/journey.schema.json and docs/scenario.schema.json; a test keeps
//! them equal to what this prints.

use std::process::ExitCode;

use itinera_model::journey::canonical_json;

/// Which format's schema to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `itinera/journey@1` (`*.journey.json`).
    Journey,
    /// `itinera/scenario@1` (`*.scenario.json`).
    Scenario,
}

/// Arguments of `itinera schema`.
#[derive(clap::Args)]
pub struct Args {
    /// The format.
    #[arg(value_enum, default_value = "journey")]
    pub format: Format,
}

/// The JSON Schema of the journey format, as canonical JSON text.
pub fn journey_schema() -> anyhow::Result<String> {
    let schema = schemars::schema_for!(itinera_model::Journey);
    Ok(canonical_json(&serde_json::to_value(&schema)?))
}

/// Prints the schema.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.format {
        Format::Journey => {
            print!("{}", journey_schema()?);
            Ok(ExitCode::SUCCESS)
        }
        Format::Scenario => {
            print!("{}", canonical_json(&itinera_sim::scenario::json_schema()));
            Ok(ExitCode::SUCCESS)
        }
    }
}
