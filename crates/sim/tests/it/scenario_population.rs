//! The population generator: rates within tolerance on 10,000 contacts, determinism (contact
//! `g` depends only on (seed, g)), knob independence, bad populations, and property tests.

use std::collections::{BTreeMap, BTreeSet};

use itinera_sim::population::stable_mix;
use itinera_sim::scenario::{ContactSpec, Delivery, Scenario, ScenarioError};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Value, json};

const START: &str = "2026-03-02T09:00:00Z";

/// The population a marketer would write for the appointment-reminder journey.
fn clinic_population(count: usize) -> Value {
    json!({
        "count": count,
        "id_prefix": "p",
        "timezones": {"Europe/Lisbon": 0.5, "America/New_York": 0.3, "Asia/Kolkata": 0.2},
        "attributes": {
            "tier": {"gold": 0.2, "silver": 0.8},
            "first_name": ["Ana", "Ben", "Chloé", "Dev"],
            "age": {"min": 18, "max": 80},
            "balance": {"min": 0.5, "max": 2.5},
            "country": "PT",
            "signed_up_at": {"from": "2025-01-01T00:00:00Z", "to": "+0m"}
        },
        "channels": {
            "sms": {"address": 0.95, "consent": 0.9},
            "whatsapp": {"address": 0.8, "consent": 0.7},
            "email": {}
        },
        "events": [
            {"name": "appointment_booked", "at": {"from": "+0m", "to": "+3d"}, "probability": 1.0,
             "data": {"starts_at": {"from_event": "+2h", "to_event": "+5d"}, "clinic": {"Lisbon": 3, "Porto": 1}}},
            {"name": "newsletter_opened", "at": "+1d", "probability": 0.3}
        ],
        "replies": [
            {"to": "wa_reminder", "probability": 0.6, "after": {"min": "5m", "max": "6h"}, "channel": "whatsapp",
             "buttons": {"confirm": 0.7, "reschedule": 0.3}},
            {"to": "sms_followup", "probability": 0.1, "after": "2h", "channel": "sms", "texts": ["STOP"]}
        ],
        "delivery": {"whatsapp": {"undeliverable": 0.05}, "sms_followup": {"rate_limited": 0.1, "delivered": 0.2}}
    })
}

fn scenario_with(population: Value, seed: u64, hand_written: Value) -> Scenario {
    let text = json!({
        "format": "itinera/scenario@1", "start": START, "run_for": "14d", "seed": seed,
        "contacts": hand_written, "population": population
    })
    .to_string();
    match Scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => panic!("test scenario must parse: {e}"),
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

fn share(n: usize, of: usize) -> f64 {
    n as f64 / of as f64
}

/// Asserts `observed` is within `tolerance` of `expected` (tolerances are > 4 standard deviations).
fn near(what: &str, observed: f64, expected: f64, tolerance: f64) {
    assert!((observed - expected).abs() <= tolerance, "{what}: observed {observed:.4}, expected {expected} ± {tolerance}");
}

#[test]
fn ten_thousand_contacts_follow_the_configured_rates() {
    let n = 10_000;
    let s = scenario_with(clinic_population(n), 42, json!([]));
    assert_eq!(s.contact_count(), n);
    let contacts: Vec<ContactSpec> = s.iter_contacts().collect();
    let start = ts(START);

    // Ids p0..p9999, unique.
    let ids: BTreeSet<&str> = contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), n);
    assert_eq!(contacts[0].id, "p0");
    assert_eq!(contacts[n - 1].id, "p9999");

    // Time zones 0.5 / 0.3 / 0.2.
    let mut zones: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &contacts {
        *zones.entry(c.timezone.as_deref().expect("every contact gets a zone")).or_default() += 1;
    }
    assert_eq!(zones.len(), 3, "{zones:?}");
    near("Europe/Lisbon", share(zones["Europe/Lisbon"], n), 0.5, 0.02);
    near("America/New_York", share(zones["America/New_York"], n), 0.3, 0.02);
    near("Asia/Kolkata", share(zones["Asia/Kolkata"], n), 0.2, 0.02);

    // Attributes.
    let gold = contacts.iter().filter(|c| c.attributes["tier"] == json!("gold")).count();
    near("tier gold", share(gold, n), 0.2, 0.02);
    assert!(contacts.iter().all(|c| c.attributes["tier"] == json!("gold") || c.attributes["tier"] == json!("silver")));
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for c in &contacts {
        *names.entry(c.attributes["first_name"].as_str().expect("a name").to_string()).or_default() += 1;
    }
    assert_eq!(names.keys().cloned().collect::<Vec<_>>(), vec!["Ana", "Ben", "Chloé", "Dev"]);
    for (name, k) in &names {
        near(name, share(*k, n), 0.25, 0.02);
    }
    let ages: Vec<i64> = contacts.iter().map(|c| c.attributes["age"].as_i64().expect("integer age")).collect();
    assert!(ages.iter().all(|a| (18..=80).contains(a)));
    assert!(ages.contains(&18) && ages.contains(&80), "both ends of an integer range are reachable");
    near("mean age", ages.iter().sum::<i64>() as f64 / n as f64, 49.0, 1.0);
    let balances: Vec<f64> = contacts.iter().map(|c| c.attributes["balance"].as_f64().expect("number")).collect();
    assert!(balances.iter().all(|b| (0.5..=2.5).contains(b)));
    assert!(contacts.iter().all(|c| c.attributes["country"] == json!("PT")));
    for c in &contacts {
        let t = ts(c.attributes["signed_up_at"].as_str().expect("a time"));
        assert!(t >= ts("2025-01-01T00:00:00Z") && t <= start, "{t}");
    }

    // Channels: address rate, consent among those with an address, no consent without address.
    for (channel, address, consent) in [("sms", 0.95, 0.9), ("whatsapp", 0.8, 0.7), ("email", 1.0, 1.0)] {
        let with_address = contacts.iter().filter(|c| c.addresses.contains_key(channel)).count();
        let consented = contacts.iter().filter(|c| c.consent.get(channel) == Some(&true)).count();
        near(&format!("{channel} address"), share(with_address, n), address, 0.02);
        near(&format!("{channel} consent"), share(consented, with_address), consent, 0.02);
        assert!(contacts.iter().all(|c| c.consent.contains_key(channel)), "consent is explicit for configured channels");
        assert!(contacts.iter().all(|c| c.consent.get(channel) != Some(&true) || c.addresses.contains_key(channel)));
    }
    let c0 = &contacts[0];
    if let Some(email) = c0.addresses.get("email") {
        assert_eq!(email, "p0@example.com");
    }

    // Events.
    let booked: Vec<_> = contacts.iter().map(|c| c.events.iter().filter(|e| e.name == "appointment_booked").collect::<Vec<_>>()).collect();
    assert!(booked.iter().all(|b| b.len() == 1), "probability 1 means everybody");
    let three_days = ts("2026-03-05T09:00:00Z");
    let mut first_day = 0;
    for b in &booked {
        let e = b[0];
        assert!(e.at >= start && e.at <= three_days, "{}", e.at);
        if e.at < ts("2026-03-03T09:00:00Z") {
            first_day += 1;
        }
        let starts_at = ts(e.data["starts_at"].as_str().expect("starts_at is a time"));
        let lo = e.at.checked_add(jiff::SignedDuration::from_hours(2)).expect("in range");
        let hi = e.at.checked_add(jiff::SignedDuration::from_hours(5 * 24)).expect("in range");
        assert!(starts_at >= lo && starts_at <= hi, "starts_at {starts_at} vs event {}", e.at);
        assert!(e.data["clinic"] == json!("Lisbon") || e.data["clinic"] == json!("Porto"));
    }
    near("booked on day 1 of 3", share(first_day, n), 1.0 / 3.0, 0.025);
    let lisbon = booked.iter().filter(|b| b[0].data["clinic"] == json!("Lisbon")).count();
    near("clinic Lisbon (weight 3 of 4)", share(lisbon, n), 0.75, 0.02);
    let opened = contacts.iter().filter(|c| c.events.iter().any(|e| e.name == "newsletter_opened")).count();
    near("newsletter_opened", share(opened, n), 0.3, 0.02);
    assert!(contacts.iter().all(|c| c.events.windows(2).all(|w| w[0].at <= w[1].at)), "generated events are in time order");

    // Replies.
    let wa: Vec<_> = contacts.iter().filter_map(|c| c.replies.iter().find(|r| r.to == "wa_reminder")).collect();
    near("reply to wa_reminder", share(wa.len(), n), 0.6, 0.02);
    let confirm = wa.iter().filter(|r| r.button.as_deref() == Some("confirm")).count();
    near("confirm among replies", share(confirm, wa.len()), 0.7, 0.025);
    assert!(wa.iter().all(|r| r.channel == "whatsapp" && r.text.is_none()));
    assert!(wa.iter().all(|r| (300..=6 * 3600).contains(&r.after.as_secs())));
    let stop: Vec<_> = contacts.iter().filter_map(|c| c.replies.iter().find(|r| r.to == "sms_followup")).collect();
    near("STOP replies", share(stop.len(), n), 0.1, 0.015);
    assert!(stop.iter().all(|r| r.text.as_deref() == Some("STOP") && r.button.is_none() && r.after.as_secs() == 7200));

    // Delivery.
    let undeliverable = contacts.iter().filter(|c| c.delivery.get("whatsapp") == Some(&Delivery::Undeliverable)).count();
    near("whatsapp undeliverable", share(undeliverable, n), 0.05, 0.01);
    let limited = contacts.iter().filter(|c| c.delivery.get("sms_followup") == Some(&Delivery::Failed("rate_limited".into()))).count();
    let delivered = contacts.iter().filter(|c| c.delivery.get("sms_followup") == Some(&Delivery::Delivered)).count();
    let absent = contacts.iter().filter(|c| !c.delivery.contains_key("sms_followup")).count();
    near("sms_followup rate_limited", share(limited, n), 0.1, 0.015);
    near("sms_followup explicitly delivered", share(delivered, n), 0.2, 0.02);
    assert_eq!(limited + delivered + absent, n);
}

#[test]
fn the_same_seed_gives_the_same_contacts_and_another_seed_others() {
    let a = scenario_with(clinic_population(200), 7, json!([]));
    let b = scenario_with(clinic_population(200), 7, json!([]));
    let c = scenario_with(clinic_population(200), 8, json!([]));
    let a_all: Vec<ContactSpec> = a.iter_contacts().collect();
    assert_eq!(a_all, b.iter_contacts().collect::<Vec<_>>());
    let differ = a_all.iter().zip(c.iter_contacts()).filter(|(x, y)| **x != *y).count();
    assert!(differ > 190, "another seed should change nearly every contact, changed {differ}");
}

#[test]
fn a_contact_is_the_same_alone_in_any_order_and_in_any_subset() {
    let s = scenario_with(clinic_population(1000), 99, json!([]));
    let in_sequence: Vec<ContactSpec> = s.iter_contacts().collect();
    for i in (0..1000).rev().step_by(7) {
        assert_eq!(s.contact(i), in_sequence[i], "contact {i}");
    }
    // A population of a different size: the shared prefix is identical.
    let small = scenario_with(clinic_population(10), 99, json!([]));
    for (i, expected) in in_sequence.iter().enumerate().take(10) {
        assert_eq!(&small.contact(i), expected, "contact {i} in a smaller population");
    }
}

#[test]
fn hand_written_contacts_come_first_and_do_not_shift_generated_ones() {
    let hand = json!([{"id": "ana"}, {"id": "ben"}]);
    let with = scenario_with(clinic_population(50), 5, hand);
    let without = scenario_with(clinic_population(50), 5, json!([]));
    assert_eq!(with.contact_count(), 52);
    assert_eq!(with.contact(0).id, "ana");
    assert_eq!(with.contact(1).id, "ben");
    for g in 0..50 {
        assert_eq!(with.contact(2 + g), without.contact(g), "generated contact {g}");
        assert_eq!(with.contact_id(2 + g), Some(format!("p{g}")));
        assert_eq!(with.contact_index(&format!("p{g}")), Some(2 + g));
    }
    assert_eq!(with.get_contact(52), None);
    assert_eq!(with.contact_index("p50"), None);
}

#[test]
fn changing_one_rate_does_not_reshuffle_other_knobs() {
    let mut tweaked = clinic_population(500);
    tweaked["channels"]["sms"]["consent"] = json!(0.2);
    tweaked["replies"][0]["probability"] = json!(0.9);
    let base = scenario_with(clinic_population(500), 11, json!([]));
    let other = scenario_with(tweaked, 11, json!([]));
    for (a, b) in base.iter_contacts().zip(other.iter_contacts()) {
        assert_eq!(a.timezone, b.timezone);
        assert_eq!(a.attributes, b.attributes);
        assert_eq!(a.addresses, b.addresses);
        assert_eq!(a.events, b.events);
        assert_eq!(a.delivery, b.delivery);
        assert_eq!(a.consent.get("whatsapp"), b.consent.get("whatsapp"));
        // A contact who consented at 0.2 also consents at 0.9 (one draw, compared to the rate).
        if b.consent.get("sms") == Some(&true) {
            assert_eq!(a.consent.get("sms"), Some(&true));
        }
        if let Some(r) = a.replies.iter().find(|r| r.to == "wa_reminder") {
            assert_eq!(b.replies.iter().find(|r| r.to == "wa_reminder"), Some(r));
        }
    }
}

/// The mix as documented in population.rs, written out independently.
fn documented_mix(seed: u64, index: u64) -> u64 {
    fn sm(x: u64) -> u64 {
        let mut z = x.wrapping_add(0x9E3779B97F4A7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    sm(seed ^ sm(index))
}

#[test]
fn stable_mix_is_the_documented_function() {
    for (seed, index) in [(0, 0), (42, 0), (42, 1), (u64::MAX, 123_456_789), (7, u64::MAX)] {
        assert_eq!(stable_mix(seed, index), documented_mix(seed, index), "({seed}, {index})");
    }
    // Against SplitMix64's published outputs from state 0: 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
    // splitmix64(0) is the first, so stable_mix(first, 0) = splitmix64(0) = first; and
    // stable_mix(first ^ golden, 0) = splitmix64(golden) = the second.
    let (first, second, golden) = (0xE220_A839_7B1D_CDAFu64, 0x6E78_9E6A_A1B9_65F4u64, 0x9E37_79B9_7F4A_7C15u64);
    assert_eq!(stable_mix(first, 0), first);
    assert_eq!(stable_mix(first ^ golden, 0), second);
}

/// Pins the generated contacts across versions: a scenario shared by a team must keep giving
/// the same people. Review the snapshot when the generator changes on purpose.
#[test]
fn the_first_generated_contacts_are_pinned() {
    let s = scenario_with(clinic_population(3), 42, json!([]));
    let contacts: Vec<Value> = s.iter_contacts().map(|c| contact_json(&c)).collect();
    insta::assert_json_snapshot!("first_generated_contacts", contacts);
}

fn contact_json(c: &ContactSpec) -> Value {
    json!({
        "id": c.id,
        "timezone": c.timezone,
        "attributes": c.attributes,
        "addresses": c.addresses,
        "consent": c.consent,
        "events": c.events.iter().map(|e| json!({"at": e.at.to_string(), "name": e.name, "data": e.data})).collect::<Vec<_>>(),
        "replies": c.replies.iter().map(|r| json!({"to": r.to, "after": r.after.to_string(), "channel": r.channel, "button": r.button, "text": r.text})).collect::<Vec<_>>(),
        "delivery": c.delivery.iter().map(|(k, v)| (k.clone(), json!(v.as_str()))).collect::<serde_json::Map<_, _>>(),
    })
}

#[test]
fn bad_populations_name_the_knob() {
    type Case = (&'static str, Value, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        ("negative weight", json!({"count": 1, "timezones": {"UTC": -1}}), "population.timezones", "must be a number ≥ 0"),
        (
            "all-zero weights",
            json!({"count": 1, "attributes": {"tier": {"gold": 0, "silver": 0}}}),
            "population.attributes.tier",
            "add up to 0",
        ),
        (
            "overflowing weights",
            json!({"count": 1, "timezones": {"UTC": 1e308, "Europe/Lisbon": 1e308}}),
            "population.timezones",
            "too large",
        ),
        (
            "unknown zone",
            json!({"count": 1, "timezones": {"Mars/Olympus": 1}}),
            "population.timezones",
            "unknown time zone \"Mars/Olympus\"",
        ),
        ("unknown zone in a list", json!({"count": 1, "timezones": ["UTC", "Europe/Lisbn"]}), "population.timezones", "unknown time zone"),
        (
            "non-numeric weight",
            json!({"count": 1, "attributes": {"tier": {"gold": "a lot"}}}),
            "population.attributes.tier",
            "must be a number",
        ),
        ("empty choice list", json!({"count": 1, "attributes": {"name": []}}), "population.attributes.name", "at least one"),
        ("range reversed", json!({"count": 1, "attributes": {"age": {"min": 80, "max": 18}}}), "population.attributes.age", "below `min`"),
        (
            "range not numbers",
            json!({"count": 1, "attributes": {"age": {"min": "a", "max": 2}}}),
            "population.attributes.age",
            "must be numbers",
        ),
        ("half a range", json!({"count": 1, "attributes": {"age": {"min": 1}}}), "population.attributes.age", "a range has exactly"),
        (
            "event time in attributes",
            json!({"count": 1, "attributes": {"t": {"from_event": "+1h", "to_event": "+2h"}}}),
            "population.attributes.t",
            "only works in event data",
        ),
        (
            "probability above 1",
            json!({"count": 1, "channels": {"sms": {"consent": 1.5}}}),
            "population.channels.sms.consent",
            "not a probability",
        ),
        ("unknown channel", json!({"count": 1, "channels": {"pigeon": {}}}), "population.channels.pigeon", "unknown channel"),
        (
            "unknown channel knob",
            json!({"count": 1, "channels": {"sms": {"opt_in": 0.5}}}),
            "population.channels.sms.opt_in",
            "unknown field",
        ),
        ("event without at", json!({"count": 1, "events": [{"name": "x"}]}), "population.events[0]", "missing field `at`"),
        (
            "event at malformed",
            json!({"count": 1, "events": [{"name": "x", "at": {"from": "+0m", "to": "+3x"}}]}),
            "population.events[0].at",
            "\"+3x\" is not a duration",
        ),
        (
            "event range reversed",
            json!({"count": 1, "events": [{"name": "x", "at": {"from": "+3d", "to": "+1d"}}]}),
            "population.events[0].at",
            "before `from`",
        ),
        (
            "event probability negative",
            json!({"count": 1, "events": [{"name": "x", "at": "+0m", "probability": -0.1}]}),
            "population.events[0].probability",
            "not a probability",
        ),
        (
            "data offset malformed",
            json!({"count": 1, "events": [{"name": "x", "at": "+0m", "data": {"s": {"from_event": "soon", "to_event": "+1h"}}}]}),
            "population.events[0].data.s",
            "\"soon\" is not a duration",
        ),
        (
            "reply with buttons and texts",
            json!({"count": 1, "replies": [{"to": "n", "after": "5m", "channel": "sms", "buttons": ["a"], "texts": ["b"]}]}),
            "population.replies[0]",
            "both `buttons` and `texts`",
        ),
        (
            "reply with neither",
            json!({"count": 1, "replies": [{"to": "n", "after": "5m", "channel": "sms"}]}),
            "population.replies[0]",
            "neither `buttons` nor `texts`",
        ),
        (
            "reply delay reversed",
            json!({"count": 1, "replies": [{"to": "n", "after": {"min": "6h", "max": "5m"}, "channel": "sms", "texts": ["y"]}]}),
            "population.replies[0].after",
            "below `min`",
        ),
        (
            "reply channel unknown",
            json!({"count": 1, "replies": [{"to": "n", "after": "5m", "channel": "fax", "texts": ["y"]}]}),
            "population.replies[0].channel",
            "unknown channel",
        ),
        (
            "delivery over 1",
            json!({"count": 1, "delivery": {"sms": {"undeliverable": 0.7, "blocked": 0.5}}}),
            "population.delivery.sms",
            "more than 1",
        ),
        ("too many", json!({"count": 2_000_000_000u64}), "population", "more than the"),
    ];
    let mut rendered = String::new();
    for (name, population, path, fragment) in cases {
        let text = json!({"format": "itinera/scenario@1", "start": START, "run_for": "1d", "population": population}).to_string();
        let err = Scenario::parse(&text).expect_err(name);
        assert_eq!(err.path(), path, "{name}: {err}");
        assert!(err.message().contains(fragment), "{name}: expected {fragment:?} in {err}");
        assert!(matches!(err, ScenarioError::Parse { line: 1.., .. }), "{name}: {err}");
        rendered.push_str(&format!("{name}\n    {err}\n"));
    }
    insta::assert_snapshot!("bad_populations", rendered);
}

#[test]
fn a_mixed_relative_absolute_range_is_checked_against_start() {
    let population = json!({"count": 1, "events": [{"name": "x", "at": {"from": "+2d", "to": "2026-03-03T09:00:00Z"}}]});
    let text = json!({"format": "itinera/scenario@1", "start": START, "run_for": "1d", "population": population}).to_string();
    let err = Scenario::parse(&text).expect_err("to is before from once start is known");
    assert_eq!(err.path(), "population.events[0].at");
    assert!(matches!(err, ScenarioError::Invalid { .. }), "{err}");
}

#[test]
fn an_empty_population_generates_nobody_and_ids_need_digits() {
    let s = scenario_with(json!({"count": 0}), 1, json!([{"id": "p0"}]));
    assert_eq!(s.contact_count(), 1);
    let s = scenario_with(json!({"count": 3, "id_prefix": "lead-"}), 1, json!([]));
    let ids: Vec<String> = s.iter_contacts().map(|c| c.id).collect();
    assert_eq!(ids, vec!["lead-0", "lead-1", "lead-2"]);
    let bare = s.contact(1);
    assert!(bare.timezone.is_none() && bare.attributes.is_empty() && bare.addresses.is_empty());
    assert!(bare.events.is_empty() && bare.replies.is_empty() && bare.delivery.is_empty());
    for id in ["lead-", "lead-3", "lead-01", "lead-+1", "p1", "lead-1x"] {
        assert_eq!(s.contact_index(id), None, "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For any seed and contact: invariants hold and generation is a pure function of (seed, g).
    #[test]
    fn any_seed_gives_well_formed_reproducible_contacts(seed in any::<u64>(), g in 0usize..1_000_000) {
        let s = scenario_with(clinic_population(1_000_000), seed, json!([]));
        let c = s.contact(g);
        prop_assert_eq!(&c, &s.contact(g));
        prop_assert_eq!(&c.id, &format!("p{g}"));
        prop_assert_eq!(s.contact_index(&c.id), Some(g));
        for (channel, consented) in &c.consent {
            prop_assert!(!consented || c.addresses.contains_key(channel));
        }
        let start = ts(START);
        for e in &c.events {
            prop_assert!(e.at >= start && e.at <= ts("2026-03-05T09:00:00Z"));
        }
        for r in &c.replies {
            prop_assert!(r.button.is_some() != r.text.is_some());
        }
        let tz = c.timezone.clone().unwrap_or_default();
        prop_assert!(["Europe/Lisbon", "America/New_York", "Asia/Kolkata"].contains(&tz.as_str()));
    }

    /// Any probability is honoured at its extremes: 0 never, 1 always.
    #[test]
    fn probabilities_zero_and_one_are_exact(seed in any::<u64>()) {
        let population = json!({"count": 50, "channels": {"sms": {"address": 1, "consent": 0}, "email": {"address": 0}},
                                "events": [{"name": "always", "at": "+0m"}, {"name": "never", "at": "+0m", "probability": 0}]});
        let s = scenario_with(population, seed, json!([]));
        for c in s.iter_contacts() {
            prop_assert!(c.addresses.contains_key("sms") && !c.consent["sms"]);
            prop_assert!(!c.addresses.contains_key("email") && !c.consent["email"]);
            prop_assert_eq!(c.events.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), vec!["always"]);
        }
    }
}

#[test]
fn extreme_but_valid_values_generate_without_overflow() {
    let population = json!({
        "count": 100_000_000u64,
        "attributes": {"big": {"min": i64::MIN, "max": i64::MAX}, "tiny": {"min": -1e308, "max": 1e308}},
        "events": [{"name": "late", "at": {"from": "+0m", "to": "9999-12-29T00:00:00Z"},
                    "data": {"around": {"from_event": "-20000d", "to_event": "+12h"}}}],
        "replies": [{"to": "n", "after": {"min": "0s", "max": "9999w"}, "channel": "email", "texts": ["ok"]}]
    });
    let s = scenario_with(population, u64::MAX, json!([]));
    assert_eq!(s.contact_count(), 100_000_000);
    for i in [0, 1, 99_999_999] {
        let c = s.contact(i);
        assert!(c.attributes["big"].is_i64());
        assert!(c.attributes["tiny"].as_f64().is_some_and(f64::is_finite));
        let e = &c.events[0];
        assert!(e.at <= ts("9999-12-29T00:00:00Z"));
        assert!(e.data["around"].is_string());
    }
    assert_eq!(s.contact(99_999_999).id, "p99999999");
    assert_eq!(s.contact_index("p99999999"), Some(99_999_999));
    assert_eq!(s.contact_index("p100000000"), None);
}

#[test]
fn event_data_offsets_past_the_calendar_are_rejected() {
    let population = json!({"count": 1, "events": [{"name": "x", "at": "9999-12-01T00:00:00Z",
                            "data": {"t": {"from_event": "+1d", "to_event": "+9999w"}}}]});
    let text = json!({"format": "itinera/scenario@1", "start": START, "run_for": "1d", "population": population}).to_string();
    let err = Scenario::parse(&text).expect_err("lands past the calendar");
    assert_eq!(err.path(), "population.events[0].data.t");
}
