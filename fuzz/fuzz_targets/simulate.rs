#![no_main]
//! A scenario through one of the five template journeys, end to end on the interpreter: never
//! a panic, every contact ends in exactly one outcome, and the run is deterministic. The first
//! byte picks the journey; the rest is the scenario text. Populations are capped at 64 contacts
//! so that one input stays fast.
use libfuzzer_sys::fuzz_target;

const JOURNEYS: [&str; 5] = [
    include_str!("../../assets/journeys/appointment-reminder.journey.json"),
    include_str!("../../assets/journeys/lead-qualification.journey.json"),
    include_str!("../../assets/journeys/onboarding.journey.json"),
    include_str!("../../assets/journeys/post-purchase.journey.json"),
    include_str!("../../assets/journeys/re-engagement.journey.json"),
];

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(scenario) = itinera_sim::scenario::Scenario::parse(text) else { return };
    if scenario.contact_count() > 64 {
        return;
    }
    let Ok(journey) = itinera_sim::Validated::read(JOURNEYS[*pick as usize % JOURNEYS.len()]) else { return };
    let options = itinera_sim::RunOptions { detail: itinera_sim::Detail::All, ..Default::default() };
    let Ok(report) = itinera_sim::run(&journey, &scenario, &options, None) else { return };
    assert_eq!(report.contacts.len(), scenario.contact_count());
    assert_eq!(report.summary.outcomes.values().sum::<usize>(), scenario.contact_count());
    let again = itinera_sim::run(&journey, &scenario, &options, None);
    assert_eq!(again.as_ref().ok(), Some(&report), "the same inputs gave another report");
});
