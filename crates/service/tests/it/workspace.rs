//! The folder operations of itinera-service, on real temporary folders.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use itinera_service::{Error, ErrorKind, Workspace, list_templates, validate_journey};
use serde_json::{Value, json};

/// A fresh, empty folder under the system temp dir, removed on drop.
struct TempFolder(PathBuf);

impl TempFolder {
    fn new() -> TempFolder {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("itinera-service-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        TempFolder(dir)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn workspace(&self) -> Workspace {
        Workspace::open(&self.0).expect("the temp folder opens")
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn assets_dir(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets").join(folder)
}

fn appointment_template() -> String {
    fs::read_to_string(assets_dir("journeys").join("appointment-reminder.journey.json")).expect("the template exists")
}

#[test]
fn file_names_that_leave_the_folder_or_have_the_wrong_extension_are_refused() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    // (file name, a word the error message must contain)
    let cases = [
        ("", "empty"),
        ("../outside.journey.json", "not allowed"),
        ("sub/../../outside.journey.json", "not allowed"),
        ("./a.journey.json", "not allowed"),
        ("/etc/passwd.journey.json", "relative"),
        ("notes.json", ".journey.json"),
        ("a.journey.json.bak", ".journey.json"),
        (".journey.json", ".journey.json"),
        ("sub/.journey.json", ".journey.json"),
        ("a\\b.journey.json", "use /"),
        ("a.scenario.json", ".journey.json"),
    ];
    for (file, word) in cases {
        let error = workspace.save_journey(file, &json!({"format": "itinera/journey@1"}), None).expect_err(file);
        assert_eq!(error.kind(), ErrorKind::BadInput, "{file}: {error}");
        assert!(error.to_string().contains(word), "{file}: `{error}` should mention `{word}`");
        let error = workspace.read_journey(file).expect_err(file);
        assert_eq!(error.kind(), ErrorKind::BadInput, "{file}: {error}");
    }
    let error = workspace.save_scenario("a.journey.json", &json!({}), None).expect_err("wrong extension");
    assert!(error.to_string().contains(".scenario.json"), "{error}");
    assert!(fs::read_dir(&folder.0).expect("readable").next().is_none(), "nothing was written");
}

#[cfg(unix)]
#[test]
fn a_symlink_leading_out_of_the_folder_is_refused() {
    let folder = TempFolder::new();
    let elsewhere = TempFolder::new();
    std::os::unix::fs::symlink(&elsewhere.0, folder.0.join("link")).expect("symlink");
    let error = folder.workspace().save_journey("link/a.journey.json", &json!({}), None).expect_err("escapes");
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert!(!elsewhere.0.join("a.journey.json").exists());
}

#[cfg(unix)]
#[test]
fn links_and_special_files_are_never_read_or_written_through() {
    use std::os::unix::fs::symlink;
    let folder = TempFolder::new();
    let sentinel = TempFolder::new();
    sentinel.write("secret.journey.json", "{\"secret\": true}\n");
    let secret = sentinel.0.join("secret.journey.json");
    symlink(&secret, folder.0.join("linked.journey.json")).expect("symlink");
    let workspace = folder.workspace();
    // A link to a file: neither read nor replaced (nor written through).
    let error = workspace.read_journey("linked.journey.json").expect_err("a link");
    assert!(error.to_string().contains("symbolic link"), "{error}");
    let error = workspace.save_journey("linked.journey.json", &json!({"x": 1}), None).expect_err("a link");
    assert_eq!(error.kind(), ErrorKind::BadInput, "{error}");
    assert_eq!(fs::read_to_string(&secret).expect("still there"), "{\"secret\": true}\n");
    assert!(fs::symlink_metadata(folder.0.join("linked.journey.json")).expect("kept").file_type().is_symlink());
    // Links planted at the names a naive save would use for its temporary file change nothing.
    for planted in [format!(".plain.journey.json.{}.tmp", std::process::id()), ".plain.journey.json.tmp".to_owned()] {
        symlink(&secret, folder.0.join(planted)).expect("symlink");
    }
    workspace.save_journey("plain.journey.json", &json!({"mine": true}), None).expect("saves");
    let meta = fs::symlink_metadata(folder.0.join("plain.journey.json")).expect("written");
    assert!(meta.file_type().is_file(), "a regular file, not a link");
    assert_eq!(fs::read_to_string(&secret).expect("still there"), "{\"secret\": true}\n");
    // A FIFO is refused at once instead of blocking the reader, and the listing still answers.
    let fifo = folder.0.join("pipe.journey.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let error = workspace.read_journey("pipe.journey.json").expect_err("a FIFO");
    assert!(error.to_string().contains("not a regular file"), "{error}");
    let listed = workspace.list_journeys().expect("lists");
    let files: Vec<&str> = listed.iter().map(|l| l.file.as_str()).collect();
    assert_eq!(files, ["plain.journey.json"], "links and FIFOs are not listed");
    // No temporary file is left behind.
    let left: Vec<String> = fs::read_dir(&folder.0)
        .expect("readable")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".itinera-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn names_too_long_or_too_deep_are_refused_before_anything_is_created() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let cases = [
        (format!("{}.journey.json", "a".repeat(300)), "longer than 255"),
        (format!("{}x.journey.json", "d/".repeat(3000)), "longer than 1024"),
        (format!("{}x.journey.json", "d/".repeat(9)), "8 folders deep"),
        ("team/.git/x.journey.json".to_owned(), "hidden"),
        ("tab\there.journey.json".to_owned(), "control character"),
    ];
    for (file, word) in &cases {
        let error = workspace.save_journey(file, &json!({}), None).expect_err(file);
        assert_eq!(error.kind(), ErrorKind::BadInput, "{error}");
        assert!(error.to_string().contains(word), "`{error}` should say `{word}`");
        assert!(error.to_string().chars().count() < 200, "the name is shortened: {error}");
        assert!(!error.to_string().contains(&folder.0.display().to_string()), "{error}");
    }
    assert!(fs::read_dir(&folder.0).expect("readable").next().is_none(), "nothing was created");
    workspace.save_journey(&format!("{}x.journey.json", "d/".repeat(8)), &json!({}), None).expect("8 folders are fine");
}

#[test]
fn concurrent_saves_of_one_file_are_serialised_and_revisions_catch_stale_ones() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let texts: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let workspace = workspace.clone();
                scope.spawn(move || workspace.save_journey("same.journey.json", &json!({"writer": i, "pad": "x".repeat(10_000)}), None))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("no panic").expect("every save succeeds").text).collect()
    });
    let final_text = fs::read_to_string(folder.0.join("same.journey.json")).expect("written");
    assert!(texts.contains(&final_text), "the file holds one complete save");

    let read = workspace.read_journey("same.journey.json").expect("reads");
    assert_eq!(read.revision, itinera_service::revision(final_text.as_bytes()));
    let outcomes: Vec<Result<_, _>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (workspace, revision) = (workspace.clone(), read.revision.clone());
                scope.spawn(move || workspace.save_journey("same.journey.json", &json!({"window": i}), Some(&revision)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    let conflict = outcomes.into_iter().find_map(Result::err).expect("one conflict");
    assert_eq!(conflict.kind(), ErrorKind::Conflict, "{conflict}");
}

#[test]
fn numbers_survive_a_save_exactly_and_duplicate_keys_are_refused() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let saved =
        workspace.save_journey_text("n.journey.json", r#"{"big": 123456789012345678901234567890, "small": 1.5}"#, None).expect("saves");
    assert_eq!(saved.text, "{\n  \"big\": 123456789012345678901234567890,\n  \"small\": 1.5\n}\n");
    let error = workspace.save_journey_text("d.journey.json", r#"{"a": 1, "a": 2}"#, None).expect_err("duplicate");
    assert!(error.to_string().contains("duplicate key"), "{error}");
    folder.write("dup.journey.json", r#"{"a": 1, "a": 2}"#);
    let error = workspace.read_journey("dup.journey.json").expect_err("duplicate");
    assert!(error.to_string().contains("line 1"), "{error}");
}

#[test]
fn save_writes_canonical_json_that_reads_back_with_unknown_fields_kept() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let journey = json!({
        "nodes": [{"type": "trigger", "id": "t", "event": "e", "position": {"y": 2, "x": 1}, "x_note": "kept"}],
        "id": "j", "format": "itinera/journey@1", "edges": [], "zz_unknown": {"b": 1, "a": [3, 2]}
    });
    let saved = workspace.save_journey("team/drafts/j.journey.json", &journey, None).expect("saves");
    let on_disk = fs::read_to_string(folder.0.join("team/drafts/j.journey.json")).expect("written");
    assert_eq!(saved.text, on_disk);
    assert_eq!(saved.file, "team/drafts/j.journey.json");
    assert!(on_disk.ends_with("}\n") && !on_disk.ends_with("\n\n"), "one final newline");
    assert!(on_disk.contains("\n  \"edges\": []"), "2-space indent: {on_disk}");
    // Sorted keys at every level: edges < format < id < nodes < zz_unknown, a < b, x < y.
    let order = ["\"edges\"", "\"format\"", "\"id\"", "\"nodes\"", "\"zz_unknown\""];
    let positions: Vec<usize> = order.iter().map(|k| on_disk.find(k).expect(k)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "top-level keys sorted: {on_disk}");
    assert!(on_disk.find("\"a\"") < on_disk.find("\"b\""));
    assert!(on_disk.find("\"x\"") < on_disk.find("\"y\""));
    assert!(on_disk.find("[\n      3,\n      2\n    ]").is_some(), "array order kept: {on_disk}");

    let read = workspace.read_journey("team/drafts/j.journey.json").expect("reads");
    assert_eq!(read.value(), journey);
    // Saving what was read gives the same bytes (stable output).
    let again = workspace.save_journey("team/drafts/j.journey.json", &read.value(), None).expect("saves again");
    assert_eq!(again.text, on_disk);
    let leftovers: Vec<_> = fs::read_dir(folder.0.join("team/drafts")).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind: {leftovers:?}");
}

#[test]
fn saving_something_that_is_not_an_object_is_refused() {
    let folder = TempFolder::new();
    for value in [json!([]), json!("text"), json!(null)] {
        let error = folder.workspace().save_journey("a.journey.json", &value, None).expect_err("not an object");
        assert_eq!(error.kind(), ErrorKind::BadInput);
    }
    assert!(!folder.0.join("a.journey.json").exists());
}

#[test]
fn reading_a_missing_file_is_not_found_and_bad_json_names_the_line() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let error = workspace.read_journey("missing.journey.json").expect_err("missing");
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    folder.write("broken.journey.json", "{\n  \"id\": \"x\",\n  oops\n}\n");
    let error = workspace.read_journey("broken.journey.json").expect_err("bad JSON");
    assert_eq!(error.kind(), ErrorKind::BadInput);
    let message = error.to_string();
    assert!(message.starts_with("broken.journey.json: line 3"), "{message}");
}

#[test]
fn opening_a_missing_folder_fails_and_open_or_create_creates_it() {
    let parent = TempFolder::new();
    let missing = parent.0.join("not/yet");
    assert_eq!(Workspace::open(&missing).expect_err("missing").kind(), ErrorKind::NotFound);
    let workspace = Workspace::open_or_create(&missing).expect("created");
    assert!(missing.is_dir());
    let info = workspace.info(true);
    assert_eq!(info.name, "yet");
    assert!(info.desktop);
    assert_eq!(Path::new(&info.dir), fs::canonicalize(&missing).expect("exists"));
}

#[test]
fn list_journeys_finds_files_in_sub_folders_and_reports_each_one() {
    let folder = TempFolder::new();
    let template = appointment_template();
    folder.write("b/appointment.journey.json", &template);
    folder.write("a.journey.json", "{ not json");
    folder.write("shape.journey.json", r#"{"format": "itinera/journey@1", "id": "s", "name": "Shape", "nodes": 3}"#);
    folder.write("notes.json", "{}");
    folder.write(".git/hidden.journey.json", &template);
    folder.write("node_modules/x/dep.journey.json", &template);
    folder.write("c.scenario.json", "{}");

    let listings = folder.workspace().list_journeys().expect("lists");
    let files: Vec<&str> = listings.iter().map(|l| l.file.as_str()).collect();
    assert_eq!(files, ["a.journey.json", "b/appointment.journey.json", "shape.journey.json"]);

    let [broken, good, shape] = &listings[..] else { unreachable!("three listings") };
    assert!(!broken.valid && broken.error.is_some() && broken.errors >= 1, "{broken:?}");
    assert_eq!(broken.id, None);

    let expected: Value = serde_json::from_str(&template).expect("template is JSON");
    assert_eq!(good.id.as_deref(), expected["id"].as_str());
    assert_eq!(good.name.as_deref(), expected["name"].as_str());
    assert!(good.valid && good.errors == 0 && good.error.is_none(), "the template is valid: {good:?}");
    let modified = good.modified.as_deref().expect("has a modification time");
    assert!(modified.parse::<jiff::Timestamp>().is_ok() && modified.ends_with('Z'), "{modified}");

    // Wrong shape: still listed with its id and name, invalid, with the parser's message.
    assert_eq!((shape.id.as_deref(), shape.name.as_deref()), (Some("s"), Some("Shape")));
    assert!(!shape.valid && shape.error.as_deref().is_some_and(|e| e.contains("nodes")), "{shape:?}");
}

#[test]
fn the_templates_are_every_journey_of_assets_and_each_is_valid() {
    let templates = list_templates().expect("embedded templates parse");
    let mut on_disk: Vec<String> = fs::read_dir(assets_dir("journeys"))
        .expect("assets/journeys")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".journey.json"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = templates.iter().map(|t| t.file.clone()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk);
    assert_eq!(templates[0].id, "appointment-reminder", "the article's journey opens the gallery");
    for template in &templates {
        let text = fs::read_to_string(assets_dir("journeys").join(&template.file)).expect("readable");
        let journey: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(template.journey, journey);
        assert_eq!(Some(template.id.as_str()), journey["id"].as_str());
        assert!(!template.name.is_empty() && !template.description.is_empty(), "{}", template.id);
        let report = validate_journey(&template.journey);
        assert!(report.valid, "{}: {:?}", template.file, report.diagnostics);
    }
}

#[test]
fn scenarios_list_the_embedded_samples_then_the_folder() {
    let folder = TempFolder::new();
    let workspace = folder.workspace();
    let mine = json!({"format": "itinera/scenario@1", "name": "My test", "journey": "onboarding", "start": "2026-03-02T09:00:00Z", "run_for": "1d"});
    workspace.save_scenario("tests/mine.scenario.json", &mine, None).expect("saves");
    folder.write("broken.scenario.json", "nope");
    let listings = workspace.list_scenarios().expect("lists");
    let samples: Vec<_> = listings.iter().filter(|l| l.sample).collect();
    let sample_files = fs::read_dir(assets_dir("scenarios"))
        .map_or(0, |d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".scenario.json")).count());
    assert_eq!(samples.len(), sample_files);
    for sample in &samples {
        assert!(sample.file.starts_with("samples/"), "{}", sample.file);
        let read = workspace.read_scenario(&sample.file).expect("a sample reads back");
        assert_eq!(read.value(), sample.scenario);
        assert!(sample.journey_id.is_some());
    }
    let own: Vec<_> = listings.iter().filter(|l| !l.sample).collect();
    assert_eq!(own.len(), 1, "the unparseable file is skipped: {own:?}");
    assert_eq!(own[0].file, "tests/mine.scenario.json");
    assert_eq!(own[0].name, "My test");
    assert_eq!(own[0].journey_id.as_deref(), Some("onboarding"));
    assert_eq!(workspace.read_scenario("tests/mine.scenario.json").expect("reads").value(), mine);
    assert_eq!(workspace.read_scenario("samples/none.scenario.json").expect_err("missing").kind(), ErrorKind::NotFound);
}

#[test]
fn errors_serialize_as_the_wire_error_body() {
    let not_found = serde_json::to_value(Error::NotFound("x.journey.json: no such file".into())).expect("serializes");
    assert_eq!(not_found, json!({"error": "x.journey.json: no such file"}));
    let invalid = Error::Invalid { message: "the journey has 0 errors".into(), diagnostics: Vec::new() };
    assert_eq!(serde_json::to_value(&invalid).expect("serializes"), json!({"error": "the journey has 0 errors", "diagnostics": []}));
    assert_eq!(invalid.kind(), ErrorKind::BadInput);
}

#[test]
fn validating_a_value_of_the_wrong_shape_gives_a_parse_error_diagnostic() {
    let report = validate_journey(&json!({"format": "itinera/journey@1", "id": "x", "nodes": "not a list"}));
    assert!(!report.valid);
    let codes: Vec<String> = report.diagnostics.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, ["parse_error"], "{:?}", report.diagnostics);
    assert!(report.diagnostics[0].message.contains("nodes"), "{}", report.diagnostics[0].message);
}
