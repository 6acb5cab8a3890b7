//! `itinera simulate JOURNEY SCENARIO [--json] [--contacts all] [--contact ID]`: glue over
//! [`itinera_sim::run_streaming`].
//!
//! * The journey is validated first: errors are printed like `itinera validate` does and the
//!   exit code is 1.
//! * A file that cannot be read, or a scenario that is not valid `itinera/scenario@1` (the
//!   message names the file, line, column and field), exits 2.
//! * For people: a summary (entered, outcomes, goal rate, messages per channel, a per-node
//!   table) and with `--contact ID` that contact's timeline, one decision per line.
//! * `--json`: the report `{"journey", "contacts", "summary"}`. Hand-written contacts carry
//!   their `steps` and `messages`; generated (population) contacts only `id`, `outcome` and
//!   `exit_node` unless `--contacts all`; `--contact ID` keeps that contact's details only.
//! * A progress bar goes to stderr when it is a terminal and the run is long.
//! * Streaming: contacts are printed (`--json`, as they finish, in order) or dropped as they
//!   come, so memory stays flat whatever the population; `--json` output is byte for byte
//!   `serde_json::to_writer_pretty` of the whole report.
//!
//! Same inputs and seed → byte-identical output.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use itinera_model::Severity;
use itinera_sim::{ContactReport, Detail, Flow, RunOptions, Scenario, Summary, Validated};

/// Arguments of `itinera simulate`.
#[derive(clap::Args)]
pub struct Args {
    /// The journey (`*.journey.json`).
    #[arg(value_name = "JOURNEY")]
    pub journey: PathBuf,
    /// The scenario (`*.scenario.json`).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// `all`: keep every contact's steps and messages, generated ones included.
    #[arg(long, value_name = "WHICH", value_parser = ["all"])]
    pub contacts: Option<String>,
    /// Show (or, with --json, keep the details of) this contact only.
    #[arg(long, value_name = "ID")]
    pub contact: Option<String>,
}

/// A journey (validated, valid) and a scenario (parsed), read for `simulate` and `replay`.
pub(crate) struct Inputs {
    /// The journey file as named.
    pub journey_file: String,
    /// The scenario file as named.
    pub scenario_file: String,
    /// The journey's text.
    pub journey_text: String,
    /// The journey, with its validation report (no errors).
    pub journey: Validated,
    /// The scenario.
    pub scenario: Scenario,
}

/// Reads both files: a journey with errors prints its diagnostics (then `nothing`) and gives
/// exit 1; a scenario that does not parse gives exit 2 with its message; an unreadable file is
/// an error.
pub(crate) fn read_inputs(
    journey: &std::path::Path,
    scenario: &std::path::Path,
    nothing: &str,
) -> anyhow::Result<Result<Inputs, ExitCode>> {
    let journey_file = journey.display().to_string();
    let scenario_file = scenario.display().to_string();
    let journey_text = std::fs::read_to_string(journey).with_context(|| format!("cannot read {journey_file}"))?;
    let scenario_text = std::fs::read_to_string(scenario).with_context(|| format!("cannot read {scenario_file}"))?;
    // Read and validated once: the simulator runs on this report and does not validate again.
    let journey = match Validated::read(&journey_text) {
        Ok(journey) if journey.report().valid => journey,
        Ok(journey) => {
            print_diagnostics(&journey_file, &journey.report().diagnostics, nothing);
            return Ok(Err(ExitCode::from(1)));
        }
        Err(diagnostics) => {
            print_diagnostics(&journey_file, &diagnostics, nothing);
            return Ok(Err(ExitCode::from(1)));
        }
    };
    let scenario = match Scenario::parse(&scenario_text) {
        Ok(scenario) => scenario,
        Err(err) => {
            eprintln!("itinera: {scenario_file}: {err}");
            return Ok(Err(ExitCode::from(2)));
        }
    };
    Ok(Ok(Inputs { journey_file, scenario_file, journey_text, journey, scenario }))
}

/// Contacts above which a terminal gets a progress bar.
const PROGRESS_THRESHOLD: usize = 20_000;

/// Runs the simulation and prints the result.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Inputs { journey_file, scenario_file, journey: validated, scenario, .. } =
        match read_inputs(&args.journey, &args.scenario, "nothing was simulated")? {
            Ok(inputs) => inputs,
            Err(code) => return Ok(code),
        };
    let journey = validated.journey();
    if let Some(id) = args.contact.as_deref().filter(|id| scenario.contact_index(id).is_none()) {
        eprintln!("itinera: {scenario_file}: no contact with id `{id}`");
        return Ok(ExitCode::from(2));
    }

    let detail = match (&args.contacts, &args.contact) {
        (Some(_), _) => Detail::All,
        (None, Some(id)) => Detail::Only(vec![id.clone()]),
        (None, None) if !args.json => Detail::None,
        (None, None) => Detail::hand_written(&scenario),
    };
    let options = RunOptions { detail, ..RunOptions::default() };

    let total = scenario.contact_count();
    let bar = (std::io::stderr().is_terminal() && total >= PROGRESS_THRESHOLD).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} contacts {elapsed}") {
            bar.set_style(style);
        }
        bar
    });
    let progress = |done: usize, _total: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Contacts are written (with --json) or dropped as they come: nothing grows with the
    // population but the one contact whose timeline was asked for.
    let mut json = args.json.then(|| JsonReport::new(&journey.id));
    let mut timeline: Option<ContactReport> = None;
    let mut write_error: Option<std::io::Error> = None;
    let result = itinera_sim::run_streaming(&validated, &scenario, &options, Some(&progress), &mut |contact| {
        if let Some(json) = &mut json {
            if let Err(err) = json.contact(&mut out, &contact) {
                write_error = Some(err);
                return Flow::Break(());
            }
        } else if args.contact.as_deref() == Some(contact.id.as_str()) {
            timeline = Some(contact);
        }
        Flow::Continue(())
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(err) = write_error {
        return Err(err).context("cannot write the report");
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(itinera_sim::Error::Invalid(diagnostics)) => {
            print_diagnostics(&journey_file, &diagnostics, "nothing was simulated");
            return Ok(ExitCode::from(1));
        }
        Err(err) => {
            eprintln!("itinera: {journey_file}: {err}");
            return Ok(ExitCode::from(1));
        }
    };

    finish(&mut out, json, &summary, journey, timeline.as_ref())?;
    Ok(ExitCode::SUCCESS)
}

/// The end of a report (`simulate`, `replay`): the JSON report's summary, or for people the
/// summary and the timeline asked for.
pub(crate) fn finish(
    out: &mut impl Write,
    json: Option<JsonReport>,
    summary: &Summary,
    journey: &itinera_model::Journey,
    timeline: Option<&ContactReport>,
) -> std::io::Result<()> {
    if let Some(json) = json {
        json.finish(out, summary)?;
    } else {
        print_summary(out, &journey.id, summary, journey)?;
        if let Some(contact) = timeline {
            writeln!(out)?;
            print_timeline(out, contact)?;
        }
    }
    out.flush()
}

/// The `--json` report written as the contacts come: byte for byte what
/// `serde_json::to_writer_pretty(&SimReport)` and a newline write, without ever holding the
/// contacts. serde_json's pretty printer indents by two spaces a level and escapes every
/// newline inside strings, so a contact (or the summary) printed on its own is re-indented to
/// its depth by adding the indent after each newline.
pub(crate) struct JsonReport {
    journey: String,
    contacts: usize,
}

impl JsonReport {
    pub(crate) fn new(journey: &str) -> JsonReport {
        JsonReport { journey: journey.to_string(), contacts: 0 }
    }

    /// Written with the first contact (or at the end), so that an error before any contact
    /// leaves stdout empty.
    fn head(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(b"{\n  \"journey\": ")?;
        serde_json::to_writer(&mut *out, &self.journey)?;
        out.write_all(b",\n  \"contacts\": [")
    }

    pub(crate) fn contact(&mut self, out: &mut impl Write, contact: &ContactReport) -> std::io::Result<()> {
        if self.contacts == 0 {
            self.head(out)?;
        }
        out.write_all(if self.contacts == 0 { b"\n    " } else { b",\n    " })?;
        indented(out, &serde_json::to_vec_pretty(contact)?, b"    ")?;
        self.contacts += 1;
        Ok(())
    }

    pub(crate) fn finish(self, out: &mut impl Write, summary: &Summary) -> std::io::Result<()> {
        if self.contacts == 0 {
            self.head(out)?;
            out.write_all(b"]")?;
        } else {
            out.write_all(b"\n  ]")?;
        }
        out.write_all(b",\n  \"summary\": ")?;
        indented(out, &serde_json::to_vec_pretty(summary)?, b"  ")?;
        out.write_all(b"\n}\n")
    }
}

/// `pretty` with `indent` after each of its newlines.
fn indented(out: &mut impl Write, pretty: &[u8], indent: &[u8]) -> std::io::Result<()> {
    let mut lines = pretty.split(|b| *b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(indent)?;
        out.write_all(line)?;
    }
    Ok(())
}

pub(crate) fn print_diagnostics(file: &str, diagnostics: &[itinera_model::Diagnostic], nothing: &str) {
    for d in diagnostics {
        let word = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match (&d.node, &d.port) {
            (Some(node), Some(port)) => format!("{node}.{port}: "),
            (Some(node), None) => format!("{node}: "),
            (None, _) => String::new(),
        };
        eprintln!("{file}: {place}{word} {}: {}", d.code, d.message);
    }
    eprintln!("{file}: the journey has errors; {nothing}");
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn print_summary(out: &mut impl Write, journey_id: &str, s: &Summary, journey: &itinera_model::Journey) -> std::io::Result<()> {
    writeln!(out, "{journey_id}: {} contacts, {} entered, goal rate {}", s.contacts, s.entered, percent(s.goal_rate))?;
    let outcomes: Vec<String> = ["exited", "goal", "left", "waiting", "not_entered"]
        .iter()
        .map(|o| format!("{o} {}", s.outcomes.get(*o).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "outcomes: {}", outcomes.join(", "))?;
    let messages: Vec<String> = s.messages.iter().map(|(channel, n)| format!("{channel} {n}")).collect();
    writeln!(out, "messages: {}", messages.join(", "))?;
    writeln!(out)?;
    let width = s.nodes.keys().map(|k| k.chars().count()).max().unwrap_or(4).max(4);
    writeln!(out, "{:<width$}  {:>9}  results", "node", "entered")?;
    // Journey order reads like the flow.
    for (n, counts) in journey.nodes.iter().filter_map(|n| s.nodes.get(&n.id).map(|c| (n, c))) {
        let node = &n.id;
        let entered = counts.get("entered").copied().unwrap_or(0);
        // A branch's results read as the ports they take (the JSON report keeps the result names).
        let branch = matches!(n.kind, itinera_model::NodeKind::Branch(_));
        let word = |k: &str| -> String {
            match (branch, k) {
                (true, "matched") => "yes".into(),
                (true, "no_match") => "no".into(),
                _ => k.into(),
            }
        };
        let rest: Vec<String> = counts.iter().filter(|(k, _)| *k != "entered").map(|(k, n)| format!("{} {n}", word(k))).collect();
        writeln!(out, "{node:<width$}  {entered:>9}  {}", rest.join(", "))?;
    }
    Ok(())
}

fn print_timeline(out: &mut impl Write, contact: &ContactReport) -> std::io::Result<()> {
    let place = contact.exit_node.as_deref().map(|n| format!(" at {n}")).unwrap_or_default();
    writeln!(out, "contact {}: {}{place}", contact.id, contact.outcome.as_str())?;
    let steps = contact.steps.as_deref().unwrap_or_default();
    let width = steps.iter().map(|s| s.node.chars().count()).max().unwrap_or(4);
    for step in steps {
        let at = step.at.strftime("%Y-%m-%d %H:%M UTC");
        let text = if step.detail.is_empty() { step.result.clone() } else { step.detail.clone() };
        writeln!(out, "{at}  {:<width$}  {text}", step.node)?;
    }
    Ok(())
}
