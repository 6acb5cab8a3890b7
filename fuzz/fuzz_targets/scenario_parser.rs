#![no_main]
//! Any bytes through the scenario parser: never a panic. When the input parses, a few contacts
//! (hand-written and generated, first and last) are produced too, so the generator's arithmetic
//! (ranges, weights, times near the ends of the calendar) is fuzzed along with the parser.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = itinera_sim::scenario::Scenario::parse(text) else { return };
    let _ = scenario.end();
    let n = scenario.contact_count();
    // Contacts 0..4 and the last 4: bounded work even for a population of a billion.
    let picks = (0..n.min(4)).chain(n.saturating_sub(4).max(4)..n);
    for i in picks {
        let contact = scenario.contact(i);
        // Generation is a pure function of (seed, index), and ids map back to their index.
        assert_eq!(scenario.contact(i), contact);
        assert_eq!(scenario.contact_index(&contact.id), Some(i));
        assert_eq!(scenario.contact_id(i).as_deref(), Some(contact.id.as_str()));
    }
});
