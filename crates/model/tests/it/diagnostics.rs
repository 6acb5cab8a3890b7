//! Broken journeys, one per diagnostic code (and one per `invalid_config` case), each asserting
//! the exact list of diagnostics: code, node, port, nodes and field, in the stable order.
//! A few are also snapshotted with their messages (tests/snapshots/).

use itinera_model::{Code, Diagnostic, Journey, Report, Severity, check_source, validate};
use serde_json::{Value, json};

/// `code @node.port [nodes] (field)`, prefixed `warning ` for warnings: what a case expects.
fn summary(d: &Diagnostic) -> String {
    let mut s = String::new();
    if d.severity == Severity::Warning {
        s.push_str("warning ");
    }
    s.push_str(d.code.as_str());
    if let Some(node) = &d.node {
        s.push_str(&format!(" @{node}"));
        if let Some(port) = &d.port {
            s.push_str(&format!(".{port}"));
        }
    }
    if let Some(nodes) = &d.nodes {
        s.push_str(&format!(" [{}]", nodes.join(", ")));
    }
    if let Some(field) = &d.field {
        s.push_str(&format!(" ({field})"));
    }
    s
}

/// A journey around these nodes and edges (`[from, port, to]`).
fn journey(nodes: Value, edges: &[[&str; 3]]) -> Value {
    let edges: Vec<Value> = edges.iter().map(|[from, port, to]| json!({"from": from, "port": port, "to": to})).collect();
    json!({"format": "itinera/journey@1", "id": "case", "name": "Case", "nodes": nodes, "edges": edges})
}

/// `start` (trigger) → `x` → `end` (exit), with `x`'s `ports` all wired to `end`.
fn around(x: Value, ports: &[&str]) -> Value {
    let mut edges = vec![["start", "next", "x"]];
    edges.extend(ports.iter().map(|p| ["x", *p, "end"]));
    journey(json!([trigger(), x, exit()]), &edges)
}

fn trigger() -> Value {
    json!({"id": "start", "type": "trigger", "event": "signed_up"})
}

fn exit() -> Value {
    json!({"id": "end", "type": "exit"})
}

fn sms(id: &str) -> Value {
    json!({"id": id, "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"})
}

fn with_settings(mut journey: Value, settings: Value) -> Value {
    journey["settings"] = settings;
    journey
}

fn report_of(value: &Value) -> Report {
    let text = serde_json::to_string_pretty(value).expect("json");
    let (parsed, report) = check_source(&text);
    assert!(parsed.is_some(), "case should parse: {:?}", report.diagnostics);
    report
}

fn assert_case(name: &str, value: &Value, expected: &[&str]) {
    let report = report_of(value);
    let got: Vec<String> = report.diagnostics.iter().map(summary).collect();
    assert_eq!(got, expected, "case `{name}`: {:#?}", report.diagnostics);
    let has_error = expected.iter().any(|e| !e.starts_with("warning "));
    assert_eq!(report.valid, !has_error, "case `{name}`: valid");
    assert_eq!(report.facts.is_some(), !has_error, "case `{name}`: facts only when valid");
}

#[test]
fn the_fixtures_of_this_file_are_valid() {
    assert_case("minimal", &journey(json!([trigger(), sms("x"), exit()]), &[["start", "next", "x"], ["x", "next", "end"]]), &[]);
    for key in ["event.appointment_id", "event.order.id"] {
        assert_case(
            key,
            &journey(json!([{"id": "start", "type": "trigger", "event": "booked", "key": key}, exit()]), &[["start", "next", "end"]]),
            &[],
        );
    }
}

#[test]
fn a_trigger_key_must_be_an_event_field() {
    let messages = |key: &str| -> Vec<String> {
        let value =
            journey(json!([{"id": "start", "type": "trigger", "event": "booked", "key": key}, exit()]), &[["start", "next", "end"]]);
        report_of(&value).diagnostics.into_iter().map(|d| d.message).collect()
    };
    assert_eq!(
        messages("contact.x"),
        [
            "`key`: `contact.x` is not an event field; give the field of the event that tells one flow from another (e.g. `event.appointment_id`)"
        ]
    );
    assert_eq!(messages("event."), ["`key`: `event.` names no field after `event.` (e.g. `event.appointment_id`)"]);
    assert_eq!(
        messages("foo"),
        ["`key`: `foo` is not an event field; give the field of the event that tells one flow from another (e.g. `event.appointment_id`)"]
    );
}

#[test]
fn structural_codes() {
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "unknown_node_type: no port noise on its edges",
            journey(
                json!([trigger(), {"id": "m", "type": "teleport", "to": "mars"}, exit()]),
                &[["start", "next", "m"], ["m", "beam", "end"]],
            ),
            vec!["unknown_node_type @m (type)"],
        ),
        (
            "duplicate_node_id: the second `a` is neither unreachable nor a dead end",
            journey(
                json!([trigger(), sms("a"), {"id": "a", "type": "wait", "for": "1d"}, exit()]),
                &[["start", "next", "a"], ["a", "next", "end"]],
            ),
            vec!["duplicate_node_id @a"],
        ),
        (
            "missing_trigger: nothing is called unreachable",
            journey(json!([sms("a"), exit()]), &[["a", "next", "end"]]),
            vec!["missing_trigger"],
        ),
        (
            "multiple_triggers",
            journey(
                json!([trigger(), {"id": "again", "type": "trigger", "event": "signed_up_again"}, exit()]),
                &[["start", "next", "end"], ["again", "next", "end"]],
            ),
            vec!["multiple_triggers @again [start, again]"],
        ),
        (
            "edge_unknown_node: both ends, and what it leaves unreachable",
            journey(json!([trigger(), exit()]), &[["start", "next", "ghost"], ["phantom", "next", "end"]]),
            vec!["edge_unknown_node @ghost (edges[0].to)", "unreachable @end", "edge_unknown_node @phantom (edges[1].from)"],
        ),
        (
            "edge_unknown_port",
            around(
                json!({"id": "x", "type": "branch", "condition": {"field": "contact.tier", "op": "eq", "value": "gold"}}),
                &["yes", "no", "maybe"],
            ),
            vec!["edge_unknown_port @x.maybe (edges[3].port)"],
        ),
        (
            "port_multiple_edges",
            journey(
                json!([trigger(), sms("a"), sms("b"), exit()]),
                &[["start", "next", "a"], ["start", "next", "b"], ["a", "next", "end"], ["b", "next", "end"]],
            ),
            vec!["port_multiple_edges @start.next"],
        ),
        (
            "cycle",
            journey(
                json!([trigger(), {"id": "w", "type": "wait", "for": "1d"}, sms("s")]),
                &[["start", "next", "w"], ["w", "next", "s"], ["s", "next", "w"]],
            ),
            vec!["cycle [s, w]"],
        ),
        (
            "cycle: a self-loop counts",
            journey(
                json!([trigger(), {"id": "a", "type": "update", "set": {"tier": "gold"}}]),
                &[["start", "next", "a"], ["a", "next", "a"]],
            ),
            vec!["cycle [a]"],
        ),
        (
            "cycle: one per strongly connected component",
            journey(
                json!([trigger(), {"id": "c", "type": "branch", "condition": {"field": "contact.vip", "op": "exists"}}, sms("p"), sms("q"), sms("r")]),
                &[["start", "next", "c"], ["c", "yes", "p"], ["p", "next", "c"], ["c", "no", "q"], ["q", "next", "r"], ["r", "next", "r"]],
            ),
            vec!["cycle [c, p]", "cycle [r]"],
        ),
        (
            "dead_end",
            around(json!({"id": "x", "type": "branch", "condition": {"field": "contact.tier", "op": "eq", "value": "gold"}}), &["yes"]),
            vec!["dead_end @x.no"],
        ),
        (
            "dead_end: wait_for branches and timeout are required, a send's `failed` is not",
            around(
                json!({"id": "x", "type": "wait_for", "event": "paid", "timeout": "2d",
                       "branches": [{"port": "big", "where": {"field": "event.amount", "op": "gt", "value": 100}}, {"port": "small", "any": true}]}),
                &["big"],
            ),
            vec!["dead_end @x.small", "dead_end @x.timeout"],
        ),
        (
            "unreachable",
            journey(json!([trigger(), sms("lost"), exit()]), &[["start", "next", "end"], ["lost", "next", "end"]]),
            vec!["unreachable @lost"],
        ),
    ];
    for (name, value, expected) in &cases {
        assert_case(name, value, expected);
    }
}

#[test]
fn many_ported_nodes_are_checked_like_small_ones() {
    // 12 branches (the validator indexes nodes with more than 8 ports): p0..p10 and p3 again.
    let mut branches: Vec<Value> =
        (0..11).map(|k| json!({"port": format!("p{k}"), "where": {"field": "event.kind", "op": "eq", "value": k}})).collect();
    branches.push(json!({"port": "p3", "any": true}));
    let wait = json!({"id": "x", "type": "wait_for", "event": "clicked", "timeout": "1d", "branches": branches});
    // Wire every port but p7, one edge on a port that does not exist, p2 twice.
    let mut ports: Vec<String> = (0..11).filter(|k| *k != 7).map(|k| format!("p{k}")).collect();
    ports.extend(["timeout".to_string(), "p99".to_string(), "p2".to_string()]);
    let refs: Vec<&str> = ports.iter().map(String::as_str).collect();
    assert_case(
        "wait_for with 12 branches",
        &around(wait, &refs),
        &[
            "edge_unknown_port @x.p99 (edges[12].port)",
            "port_multiple_edges @x.p2",
            "dead_end @x.p7",
            "invalid_config @x (branches[11].port)",
        ],
    );
}

#[test]
fn invalid_config_cases_name_node_and_field() {
    let branch_on = |condition: Value| json!({"id": "x", "type": "branch", "condition": condition});
    let wa_buttons = json!({"id": "ask", "type": "send", "channel": "whatsapp", "template": {"name": "ask", "language": "en"},
                            "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]});
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("wait: bad duration", around(json!({"id": "x", "type": "wait", "for": "soon"}), &["next"]), vec!["invalid_config @x (for)"]),
        ("wait: no mode", around(json!({"id": "x", "type": "wait"}), &["next"]), vec!["invalid_config @x (for)"]),
        (
            "wait: two modes",
            around(json!({"id": "x", "type": "wait", "for": "1d", "until_local_time": "09:00"}), &["next"]),
            vec!["invalid_config @x (until_local_time)"],
        ),
        (
            "wait: bad HH:MM",
            around(json!({"id": "x", "type": "wait", "until_local_time": "25:00"}), &["next"]),
            vec!["invalid_config @x (until_local_time)"],
        ),
        (
            "wait: until field without prefix, bad offset",
            around(json!({"id": "x", "type": "wait", "until": {"field": "starts_at", "offset": "-1x"}}), &["next"]),
            vec!["invalid_config @x (until.field)", "invalid_config @x (until.offset)"],
        ),
        (
            "send: neither text nor template",
            around(json!({"id": "x", "type": "send", "channel": "sms"}), &["next"]),
            vec!["invalid_config @x (text)"],
        ),
        (
            "send: template on sms",
            around(json!({"id": "x", "type": "send", "channel": "sms", "template": {"name": "t", "language": "en"}}), &["next"]),
            vec!["invalid_config @x (template)"],
        ),
        (
            "send: both text and template",
            around(
                json!({"id": "x", "type": "send", "channel": "whatsapp", "text": "Hi", "template": {"name": "t", "language": "en"}}),
                &["next"],
            ),
            vec!["invalid_config @x (template)"],
        ),
        (
            "send: more than 3 buttons",
            around(
                json!({"id": "x", "type": "send", "channel": "whatsapp", "template": {"name": "t", "language": "en"},
                       "buttons": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}, {"id": "c", "title": "C"}, {"id": "d", "title": "D"}]}),
                &["next"],
            ),
            vec!["invalid_config @x (buttons)"],
        ),
        (
            "send: button title over 20 characters",
            around(
                json!({"id": "x", "type": "send", "channel": "whatsapp", "template": {"name": "t", "language": "en"},
                       "buttons": [{"id": "a", "title": "Reschedule my appointment"}]}),
                &["next"],
            ),
            vec!["invalid_config @x (buttons[0].title)"],
        ),
        (
            "send: buttons on sms",
            around(json!({"id": "x", "type": "send", "channel": "sms", "text": "Hi", "buttons": [{"id": "a", "title": "A"}]}), &["next"]),
            vec!["invalid_config @x (buttons)"],
        ),
        (
            "send: unknown channel",
            around(json!({"id": "x", "type": "send", "channel": "pigeon", "text": "Hi"}), &["next"]),
            vec!["invalid_config @x (channel)"],
        ),
        (
            "send: email without subject",
            around(json!({"id": "x", "type": "send", "channel": "email", "text": "Hi"}), &["next"]),
            vec!["invalid_config @x (subject)"],
        ),
        ("branch: no condition", around(json!({"id": "x", "type": "branch"}), &["yes", "no"]), vec!["invalid_config @x (condition)"]),
        ("condition: empty", around(branch_on(json!({})), &["yes", "no"]), vec!["invalid_config @x (condition)"]),
        (
            "condition: unknown op",
            around(branch_on(json!({"field": "contact.tier", "op": "approx", "value": "gold"})), &["yes", "no"]),
            vec!["invalid_config @x (condition.op)"],
        ),
        (
            "condition: within_next without a duration",
            around(branch_on(json!({"field": "event.starts_at", "op": "within_next", "value": 5})), &["yes", "no"]),
            vec!["invalid_config @x (condition.value)"],
        ),
        (
            "condition: field without contact./event., nested",
            around(branch_on(json!({"not": {"all": [{"field": "tier", "op": "eq", "value": "gold"}]}})), &["yes", "no"]),
            vec!["invalid_config @x (condition.not.all[0].field)"],
        ),
        ("condition: empty all", around(branch_on(json!({"all": []})), &["yes", "no"]), vec!["invalid_config @x (condition.all)"]),
        (
            "wait_for: both reply and event",
            around(
                json!({"id": "x", "type": "wait_for", "reply": {"channel": "whatsapp"}, "event": "paid", "timeout": "1d"}),
                &["next", "timeout"],
            ),
            vec!["invalid_config @x (event)"],
        ),
        (
            "wait_for: neither reply nor event",
            around(json!({"id": "x", "type": "wait_for", "timeout": "1d"}), &["next", "timeout"]),
            vec!["invalid_config @x (reply)"],
        ),
        (
            "wait_for: missing timeout",
            around(json!({"id": "x", "type": "wait_for", "event": "paid"}), &["next", "timeout"]),
            vec!["invalid_config @x (timeout)"],
        ),
        (
            "wait_for: branch matching nothing",
            around(
                json!({"id": "x", "type": "wait_for", "event": "paid", "timeout": "1d", "branches": [{"port": "paid"}]}),
                &["paid", "timeout"],
            ),
            vec!["invalid_config @x (branches[0])"],
        ),
        (
            "wait_for: duplicate branch port",
            around(
                json!({"id": "x", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1d",
                       "branches": [{"port": "yes", "keywords": ["yes"]}, {"port": "yes", "keywords": ["ok"]}]}),
                &["yes", "timeout"],
            ),
            vec!["invalid_config @x (branches[1].port)"],
        ),
        (
            "wait_for: reply button the preceding send does not offer",
            journey(
                json!([trigger(), wa_buttons, {"id": "update_first", "type": "update", "set": {"asked": true}},
                       {"id": "x", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1d",
                        "branches": [{"port": "yes", "button": "yes"}, {"port": "maybe", "button": "maybe"}]}, exit()]),
                &[
                    ["start", "next", "ask"],
                    ["ask", "next", "update_first"],
                    ["update_first", "next", "x"],
                    ["x", "yes", "end"],
                    ["x", "maybe", "end"],
                    ["x", "timeout", "end"],
                ],
            ),
            vec!["invalid_config @x (branches[1].button)"],
        ),
        (
            "wait_for: a nearer send hides the buttons of an earlier one",
            journey(
                json!([
                    trigger(),
                    {"id": "ask", "type": "send", "channel": "whatsapp", "template": {"name": "ask", "language": "en"},
                     "buttons": [{"id": "yes", "title": "Yes"}]},
                    sms("plain"),
                    {"id": "x", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1d",
                     "branches": [{"port": "yes", "button": "yes"}]},
                    exit()
                ]),
                &[["start", "next", "ask"], ["ask", "next", "plain"], ["plain", "next", "x"], ["x", "yes", "end"], ["x", "timeout", "end"]],
            ),
            vec!["invalid_config @x (branches[0].button)"],
        ),
        (
            "wait_for: buttons of every feeding send count, also around a loop",
            journey(
                json!([
                    trigger(),
                    {"id": "c", "type": "branch", "condition": {"field": "contact.vip", "op": "exists"}},
                    {"id": "ask_a", "type": "send", "channel": "whatsapp", "template": {"name": "a", "language": "en"},
                     "buttons": [{"id": "a", "title": "A"}]},
                    {"id": "ask_b", "type": "send", "channel": "whatsapp", "template": {"name": "b", "language": "en"},
                     "buttons": [{"id": "b", "title": "B"}]},
                    {"id": "x", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1d",
                     "branches": [{"port": "a", "button": "a"}, {"port": "b", "button": "b"}, {"port": "z", "button": "z"}]},
                    {"id": "again", "type": "update", "set": {"looped": true}},
                    exit()
                ]),
                &[
                    ["start", "next", "c"],
                    ["c", "yes", "ask_a"],
                    ["c", "no", "again"],
                    ["again", "next", "ask_b"],
                    ["ask_a", "next", "x"],
                    ["ask_b", "next", "x"],
                    ["x", "a", "end"],
                    ["x", "b", "again"],
                    ["x", "z", "end"],
                    ["x", "timeout", "end"],
                ],
            ),
            vec!["cycle [again, ask_b, x]", "invalid_config @x (branches[2].button)"],
        ),
        (
            "split: percents not 100",
            around(
                json!({"id": "x", "type": "split", "variants": [{"port": "a", "percent": 50}, {"port": "b", "percent": 40}]}),
                &["a", "b"],
            ),
            vec!["invalid_config @x (variants)"],
        ),
        (
            "split: duplicate variant port",
            around(json!({"id": "x", "type": "split", "variants": [{"port": "a", "percent": 50}, {"port": "a", "percent": 50}]}), &["a"]),
            vec!["invalid_config @x (variants[1].port)"],
        ),
        (
            "trigger without event",
            journey(json!([{"id": "start", "type": "trigger"}, exit()]), &[["start", "next", "end"]]),
            vec!["invalid_config @start (event)"],
        ),
        (
            "trigger key: a contact field",
            journey(
                json!([{"id": "start", "type": "trigger", "event": "booked", "key": "contact.x"}, exit()]),
                &[["start", "next", "end"]],
            ),
            vec!["invalid_config @start (key)"],
        ),
        (
            "trigger key: no field after event.",
            journey(json!([{"id": "start", "type": "trigger", "event": "booked", "key": "event."}, exit()]), &[["start", "next", "end"]]),
            vec!["invalid_config @start (key)"],
        ),
        (
            "trigger key: not a path",
            journey(json!([{"id": "start", "type": "trigger", "event": "booked", "key": "foo"}, exit()]), &[["start", "next", "end"]]),
            vec!["invalid_config @start (key)"],
        ),
        (
            "trigger key: an empty part",
            journey(
                json!([{"id": "start", "type": "trigger", "event": "booked", "key": "event.order..id"}, exit()]),
                &[["start", "next", "end"]],
            ),
            vec!["invalid_config @start (key)"],
        ),
        (
            "webhook: no url, unknown method",
            around(json!({"id": "x", "type": "webhook", "method": "FETCH"}), &["next"]),
            vec!["invalid_config @x (url)", "invalid_config @x (method)"],
        ),
        (
            "update: changes nothing / unknown consent channel",
            around(json!({"id": "x", "type": "update", "consent": {"pigeon": true}}), &["next"]),
            vec!["invalid_config @x (consent.pigeon)"],
        ),
        (
            "settings: every field checked, no node",
            with_settings(
                around(sms("x"), &["next"]),
                json!({"quiet_hours": {"start": "9pm", "end": "08:00"}, "frequency_cap": {"max": 3, "per": "daily"},
                       "reentry": "sometimes", "goal": {"event": "bought", "within": "a week"}, "default_timezone": "Mars/Olympus"}),
            ),
            vec![
                "invalid_config (settings.quiet_hours.start)",
                "invalid_config (settings.frequency_cap.per)",
                "invalid_config (settings.reentry)",
                "invalid_config (settings.goal.within)",
                "invalid_config (settings.default_timezone)",
            ],
        ),
        (
            "settings: reentry after a bad duration",
            with_settings(around(sms("x"), &["next"]), json!({"reentry": {"after": "-3d"}, "default_timezone": "Europe/Paris"})),
            vec!["invalid_config (settings.reentry.after)"],
        ),
        (
            "format",
            {
                let mut j = around(sms("x"), &["next"]);
                j["format"] = json!("itinera/journey@2");
                j
            },
            vec!["invalid_config (format)"],
        ),
    ];
    for (name, value, expected) in &cases {
        assert_case(name, value, expected);
    }
    // Every message starts with the field it is about.
    for (_, value, _) in &cases {
        for d in report_of(value).diagnostics.into_iter().filter(|d| d.code == Code::InvalidConfig) {
            let field = d.field.clone().expect("invalid_config names a field");
            assert!(d.message.starts_with(&format!("`{field}`")), "{}", d.message);
        }
    }
}

#[test]
fn whatsapp_window() {
    let text = |id: &str| json!({"id": id, "type": "send", "channel": "whatsapp", "text": "Hi {{ contact.first_name }}"});
    let template = |id: &str| json!({"id": id, "type": "send", "channel": "whatsapp", "template": {"name": "hello", "language": "en"}});
    let reply = json!({"id": "reply", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "2d"});
    let wait = |id: &str, d: &str| json!({"id": id, "type": "wait", "for": d});
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("first contact", around(text("x"), &["next"]), vec!["warning whatsapp_outside_window @x"]),
        ("templates are exempt", around(template("x"), &["next"]), vec![]),
        (
            "right after a reply: fine; after its timeout: not",
            journey(
                json!([trigger(), template("hello"), reply, text("after_reply"), text("after_timeout"), exit()]),
                &[
                    ["start", "next", "hello"],
                    ["hello", "next", "reply"],
                    ["reply", "next", "after_reply"],
                    ["reply", "timeout", "after_timeout"],
                    ["after_reply", "next", "end"],
                    ["after_timeout", "next", "end"],
                ],
            ),
            vec!["warning whatsapp_outside_window @after_timeout"],
        ),
        (
            "waits after the reply add up: 23h is inside, 23h + 1h is not",
            journey(
                json!([trigger(), template("hello"), reply, wait("w23", "23h"), text("inside"), wait("w1", "1h"), text("outside"), exit()]),
                &[
                    ["start", "next", "hello"],
                    ["hello", "next", "reply"],
                    ["reply", "next", "w23"],
                    ["reply", "timeout", "end"],
                    ["w23", "next", "inside"],
                    ["inside", "next", "w1"],
                    ["w1", "next", "outside"],
                    ["outside", "next", "end"],
                ],
            ),
            vec!["warning whatsapp_outside_window @outside"],
        ),
        (
            "worst case over paths: one path without a reply is enough",
            journey(
                json!([trigger(), template("hello"), reply, {"id": "b", "type": "branch", "condition": {"field": "contact.vip", "op": "exists"}}, text("joined"), exit()]),
                &[
                    ["start", "next", "b"],
                    ["b", "yes", "hello"],
                    ["b", "no", "joined"],
                    ["hello", "next", "reply"],
                    ["reply", "next", "joined"],
                    ["reply", "timeout", "end"],
                    ["joined", "next", "end"],
                ],
            ),
            vec!["warning whatsapp_outside_window @joined"],
        ),
        (
            "a data-dependent wait is unbounded",
            journey(
                json!([trigger(), template("hello"), reply, {"id": "later", "type": "wait", "until": {"field": "event.starts_at", "offset": "-1h"}}, text("x"), exit()]),
                &[
                    ["start", "next", "hello"],
                    ["hello", "next", "reply"],
                    ["reply", "next", "later"],
                    ["reply", "timeout", "end"],
                    ["later", "next", "x"],
                    ["x", "next", "end"],
                ],
            ),
            vec!["warning whatsapp_outside_window @x"],
        ),
        (
            "an SMS reply does not open the WhatsApp window",
            journey(
                json!([trigger(), sms("ask"), {"id": "reply", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1h"}, text("x"), exit()]),
                &[
                    ["start", "next", "ask"],
                    ["ask", "next", "reply"],
                    ["reply", "next", "x"],
                    ["reply", "timeout", "end"],
                    ["x", "next", "end"],
                ],
            ),
            vec!["warning whatsapp_outside_window @x"],
        ),
    ];
    for (name, value, expected) in &cases {
        assert_case(name, value, expected);
    }
}

#[test]
fn several_problems_are_all_reported() {
    let broken = journey(
        json!([
            trigger(),
            {"id": "ask", "type": "send", "channel": "whatsapp", "text": "Still interested?", "buttons": [{"id": "yes", "title": "Yes please, tell me more!"}]},
            {"id": "pause", "type": "wait", "for": "a while"},
            {"id": "check", "type": "branch", "condition": {"field": "contact.score", "op": "gte", "value": 50}},
            {"id": "check", "type": "exit"},
            {"id": "orphan", "type": "webhook", "url": "https://crm.example.com/hook"},
            {"id": "loop", "type": "update", "set": {"nudged": true}},
            {"id": "odd", "type": "carrier_pigeon"},
            exit()
        ]),
        &[
            ["start", "next", "ask"],
            ["ask", "next", "pause"],
            ["ask", "sent", "end"],
            ["pause", "next", "check"],
            ["check", "yes", "loop"],
            ["loop", "next", "loop"],
            ["orphan", "next", "nowhere"],
            ["odd", "next", "end"],
        ],
    );
    assert_case(
        "everything at once",
        &broken,
        &[
            "edge_unknown_port @ask.sent (edges[2].port)",
            "invalid_config @ask (buttons[0].title)",
            "invalid_config @pause (for)",
            "duplicate_node_id @check",
            "dead_end @check.no",
            "edge_unknown_node @nowhere (edges[6].to)",
            "unreachable @orphan",
            "cycle [loop]",
            "unknown_node_type @odd (type)",
            "unreachable @odd",
        ],
    );
    insta::assert_json_snapshot!("several_problems", report_of(&broken).diagnostics);
}

#[test]
fn parse_errors_give_line_column_and_field() {
    let text = "{\n  \"format\": \"itinera/journey@1\",\n  \"id\": \"x\",\n  \"nodes\": [\n    {\"id\": \"a\", \"type\": \"trigger\", \"event\": \"e\"},\n    {\"id\": \"b\", \"type\": \"send\", \"channel\": \"sms\", \"buttons\": 3}\n  ]\n}\n";
    let (journey, report) = check_source(text);
    assert!(journey.is_none());
    assert!(!report.valid);
    let [d] = report.diagnostics.as_slice() else { panic!("one diagnostic: {:?}", report.diagnostics) };
    assert_eq!(d.code.as_str(), "parse_error");
    assert_eq!(d.line, Some(6), "{}", d.message);
    assert!(d.column.is_some_and(|c| c > 1));
    assert!(d.message.contains("line 6"), "{}", d.message);
    assert!(d.message.contains("buttons"), "the message names the field: {}", d.message);

    let cases = [
        ("not json", "{\"format\": ", 1),
        ("wrong top-level type", "[1, 2]", 1),
        ("node without id", "{\"format\": \"itinera/journey@1\", \"id\": \"x\",\n\"nodes\": [{\"type\": \"exit\"}]}", 2),
        ("edges not a list", "{\"format\": \"itinera/journey@1\", \"id\": \"x\", \"nodes\": [],\n\n\"edges\": 7}", 3),
    ];
    for (name, text, line) in cases {
        let (journey, report) = check_source(text);
        assert!(journey.is_none(), "{name}");
        let [d] = report.diagnostics.as_slice() else { panic!("{name}: {:?}", report.diagnostics) };
        assert_eq!((d.code.as_str(), d.line), ("parse_error", Some(line)), "{name}: {}", d.message);
    }
    insta::assert_json_snapshot!("parse_error", report.diagnostics);
}

#[test]
fn facts_of_a_small_journey() {
    // start → email → wait 2d → wait_for reply (timeout 1d) → [yes: whatsapp text, timeout: sms] → end
    let value = journey(
        json!([
            trigger(),
            {"id": "mail", "type": "send", "channel": "email", "subject": "Hi", "text": "Hello"},
            {"id": "pause", "type": "wait", "for": "2d"},
            {"id": "ask", "type": "send", "channel": "whatsapp", "template": {"name": "ask", "language": "en"}, "buttons": [{"id": "yes", "title": "Yes"}]},
            {"id": "reply", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1d", "branches": [{"port": "yes", "button": "yes"}]},
            {"id": "thanks", "type": "send", "channel": "whatsapp", "text": "Thanks!"},
            sms("nudge"),
            {"id": "morning", "type": "wait", "until_local_time": "09:00"},
            exit()
        ]),
        &[
            ["start", "next", "mail"],
            ["mail", "next", "pause"],
            ["pause", "next", "ask"],
            ["ask", "next", "reply"],
            ["reply", "yes", "thanks"],
            ["reply", "timeout", "morning"],
            ["morning", "next", "nudge"],
            ["thanks", "next", "end"],
            ["nudge", "next", "end"],
        ],
    );
    let journey: Journey = serde_json::from_value(value).expect("journey");
    let report = validate(&journey);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let facts = report.facts.expect("facts");
    // 2d + 1d timeout + 24h for until_local_time.
    assert_eq!(facts.longest_seconds, Some(4 * 86_400));
    assert_eq!(facts.longest_time, "4d");
    assert_eq!(facts.max_messages["email"], 1);
    assert_eq!(facts.max_messages["whatsapp"], 2);
    assert_eq!(facts.max_messages["sms"], 1);
    assert_eq!(facts.max_messages_total, 3);
    assert_eq!(facts.nodes, 9);
    assert_eq!(facts.edges, 9);
    insta::assert_json_snapshot!("facts_small", facts);
}
