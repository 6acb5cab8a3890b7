//! The output ports of every node type (and the channels), as a fixture the editor's tests read too
//! (tests/fixtures/ports.json; ui/src/model/ports.test.ts): the editor draws one handle per port
//! and must agree with [`NodeKind::output_ports`], the one list. This test fails when the file
//! is stale; `ITINERA_UPDATE_FIXTURES=1 cargo test -p itinera-model --test it ports_fixture::`
//! rewrites its `ports` from the model.

use std::path::Path;

use itinera_model::Journey;
use itinera_model::journey::Required;
use serde_json::{Map, Value, json};

#[test]
fn the_shared_ports_fixture_is_the_models() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ports.json");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/ports.json");
    let mut fixture: Value = serde_json::from_str(&text).expect("the fixture is JSON");
    let nodes = fixture["nodes"].clone();
    let journey = json!({"format": "itinera/journey@1", "id": "ports", "name": "Ports", "nodes": nodes, "edges": []});
    let journey = Journey::parse(&journey.to_string()).expect("every fixture node is a node of the format");
    let mut ports = Map::new();
    for node in &journey.nodes {
        let list: Vec<Value> = node
            .kind
            .output_ports()
            .into_iter()
            .map(|(port, required)| json!({"port": port, "required": required == Required::Yes}))
            .collect();
        ports.insert(node.id.clone(), Value::Array(list));
    }
    let kinds: std::collections::BTreeSet<&str> = journey.nodes.iter().map(|n| n.kind.type_name()).collect();
    for kind in ["trigger", "send", "wait", "wait_for", "branch", "split", "update", "webhook", "exit"] {
        assert!(kinds.contains(kind), "the fixture has no `{kind}` node");
    }
    let want = Value::Object(ports);
    // The channels a send can use, the editor's `CHANNELS` (ui/src/api/types.ts).
    let channels = json!(itinera_model::journey::CHANNELS);
    if std::env::var_os("ITINERA_UPDATE_FIXTURES").is_some() {
        fixture["ports"] = want;
        fixture["channels"] = channels;
        std::fs::write(&path, serde_json::to_string_pretty(&fixture).unwrap() + "\n").expect("writes the fixture");
        return;
    }
    assert_eq!(fixture["channels"], channels, "tests/fixtures/ports.json is stale: rerun with ITINERA_UPDATE_FIXTURES=1");
    assert_eq!(
        fixture["ports"], want,
        "tests/fixtures/ports.json is stale: rerun with ITINERA_UPDATE_FIXTURES=1 and check the editor (ui/src/model/ports.ts) still agrees"
    );
}
