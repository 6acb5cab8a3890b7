//! `itinera validate FILE... [--json]`: glue over [`itinera_engine::check_source`] (the model's
//! validation plus the templates, which only the engine can compile).
//!
//! People get one line per diagnostic (`file: node: severity code: message`, coloured on a
//! terminal) and a summary line per file; `--json` gives one JSON object per file per line.
//! Exit 0 when no file has errors, 1 when any has, 2 when a file cannot be read (the others
//! are still reported).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use itinera_engine::check_source;
use itinera_model::{Diagnostic, Report, Severity};
use serde_json::json;

/// Arguments of `itinera validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Journey files (`*.journey.json`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// One JSON object per file per line: {"file", "valid", "diagnostics", "facts"}.
    #[arg(long)]
    pub json: bool,
}

/// Validates every file and prints the results.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let colour = !args.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stdout.lock();
    let mut unreadable = false;
    let mut invalid = false;
    for path in &args.files {
        let file = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) => {
                unreadable = true;
                eprintln!("itinera: cannot read {file}: {err}");
                if args.json {
                    let line =
                        json!({"file": file, "valid": false, "error": format!("cannot read: {err}"), "diagnostics": [], "facts": null});
                    writeln!(out, "{line}")?;
                }
                continue;
            }
        };
        let report = report_for(&bytes);
        invalid |= !report.valid;
        if args.json {
            let line = json!({"file": file, "valid": report.valid, "diagnostics": report.diagnostics, "facts": report.facts});
            writeln!(out, "{line}")?;
        } else {
            print_human(&mut out, &file, &report, colour)?;
        }
    }
    out.flush()?;
    Ok(if unreadable {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Bytes that are not UTF-8 are a `parse_error` at the first bad byte, not a read failure.
fn report_for(bytes: &[u8]) -> Report {
    match std::str::from_utf8(bytes) {
        Ok(text) => check_source(text).1,
        Err(err) => {
            let good = &bytes[..err.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            let column = good.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            let mut diagnostic =
                Diagnostic::error(itinera_model::Code::ParseError, format!("line {line}, column {column}: the file is not valid UTF-8"));
            diagnostic.line = Some(line);
            diagnostic.column = Some(column);
            Report { valid: false, diagnostics: vec![diagnostic], facts: None }
        }
    }
}

fn paint(text: &str, ansi: &str, colour: bool) -> String {
    if colour { format!("\x1b[{ansi}m{text}\x1b[0m") } else { text.to_string() }
}

fn print_human(out: &mut impl Write, file: &str, report: &Report, colour: bool) -> std::io::Result<()> {
    for d in &report.diagnostics {
        let (word, ansi) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let place = d.node.as_ref().map_or(String::new(), |node| format!("{node}: "));
        writeln!(out, "{file}: {place}{} {}: {}", paint(word, ansi, colour), d.code, d.message)?;
    }
    let (errors, warnings) = (report.error_count(), report.warning_count());
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let summary = match &report.facts {
        Some(facts) if report.valid => {
            let messages: Vec<String> =
                facts.max_messages.iter().filter(|(_, n)| **n > 0).map(|(channel, n)| format!("{n} {channel}")).collect();
            format!(
                "{} ({}; {} nodes, longest {}, at most {}{})",
                paint("valid", "1;32", colour),
                plural(warnings, "warning"),
                facts.nodes,
                facts.longest_time,
                if messages.is_empty() { "no messages".to_string() } else { messages.join(", ") },
                if facts.max_messages_total > 0 { format!("; {} in all", facts.max_messages_total) } else { String::new() },
            )
        }
        _ => format!("{} ({}, {})", paint("invalid", "1;31", colour), plural(errors, "error"), plural(warnings, "warning")),
    };
    writeln!(out, "{file}: {summary}")
}
