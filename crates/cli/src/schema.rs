//! `itinera schema [journey|scenario]`: prints the JSON Schema of a file format, generated with
//! schemars from the Rust types, as canonical JSON (sorted keys, so it diffs well). The journey
//! schema is also committed as docs/journey.schema.json; a test keeps the two equal.

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
        // TODO(scenario schema): print it once itinera-sim exposes a schemars schema of its
        // scenario types; until then this is an explicit error, not an empty schema.
        Format::Scenario => anyhow::bail!(
            "the scenario schema is not available yet: itinera-sim does not expose it (TODO); see docs/scenario-format.md if present"
        ),
    }
}
