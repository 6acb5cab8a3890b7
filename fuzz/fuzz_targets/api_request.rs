#![no_main]
//! Any request body to any `/api/<command>`, exactly as the HTTP route runs it once the origin and
//! token checks passed (`itinera_server::run_api_command`): never a panic, never an internal error
//! (a 500) for what is only bad input, and never a file outside the folder.
//!
//! The first byte picks the command; the rest is the body. The folder is a fresh temporary one
//! per process holding one journey, one scenario and a sub-folder; simulations are capped at a
//! few thousand contacts so that each input stays fast.
use std::sync::OnceLock;

use itinera_server::{Limits, run_api_command};
use itinera_service::{ErrorKind, Workspace};
use libfuzzer_sys::fuzz_target;

const COMMANDS: &[&str] = &[
    "workspace_info",
    "open_folder",
    "list_journeys",
    "list_templates",
    "read_journey",
    "save_journey",
    "validate_journey",
    "simulate_journey",
    "list_scenarios",
    "read_scenario",
    "save_scenario",
    "preview_template",
    "resolve_local_times",
    // The Live view's commands: no engine here, so past their arguments each is a 400.
    "engine_info",
    "publish_journey",
    "live_status",
    "live_counts",
    "set_version_status",
    "list_enrollments",
    "contact_timeline",
    "send_test_event",
    "list_outbox",
    "no_such_command",
];

struct Setup {
    workspace: Workspace,
    limits: Limits,
    outside: std::path::PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("itinera-fuzz-api-{}", std::process::id()));
        let dir = root.join("work");
        let outside = root.join("outside");
        std::fs::create_dir_all(dir.join("sub")).expect("temp folder");
        std::fs::create_dir_all(&outside).expect("temp folder");
        std::fs::write(dir.join("a.journey.json"), include_str!("../../assets/journeys/appointment-reminder.journey.json")).expect("write");
        std::fs::write(dir.join("sub/s.scenario.json"), "{\"format\": \"itinera/scenario@1\"}\n").expect("write");
        let workspace = Workspace::open(&dir).expect("opens");
        Setup { workspace, limits: Limits { max_sim_contacts: 2_000, ..Limits::default() }, outside }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let command = COMMANDS[pick as usize % COMMANDS.len()];
    let setup = setup();
    match run_api_command(&setup.workspace, command, body, &setup.limits) {
        Ok(answer) => assert!(itinera_model::json::parse_value_slice(&answer).is_ok(), "{command}: the answer is JSON"),
        Err(error) => {
            assert_ne!(error.kind(), ErrorKind::Internal, "{command}: bad input is never a 500: {error}");
            assert!(!error.to_string().is_empty());
        }
    }
    assert!(std::fs::read_dir(&setup.outside).map(|mut d| d.next().is_none()).unwrap_or(true), "nothing is written outside the folder");
});
