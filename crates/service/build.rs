//! Embeds the sample journeys (assets/journeys/*.journey.json) and scenarios
//! (assets/scenarios/*.scenario.json) into the binary: writes `$OUT_DIR/embedded.rs`, a list of
//! `(file name, include_str!(absolute path))` per folder, so a template added to assets/ needs no
//! code change.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let assets = manifest.join("../../assets");
    let mut out = String::new();
    for (constant, folder, suffix) in
        [("TEMPLATE_FILES", "journeys", ".journey.json"), ("SAMPLE_SCENARIO_FILES", "scenarios", ".scenario.json")]
    {
        let dir = assets.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        out.push_str(&format!("/// `(file name, text)` of every `*{suffix}` in assets/{folder}, sorted by name.\n"));
        out.push_str(&format!("pub const {constant}: &[(&str, &str)] = &[\n"));
        for path in files_with_suffix(&dir, suffix) {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path.file_name().and_then(|n| n.to_str()).expect("asset names are UTF-8");
            let absolute = fs::canonicalize(&path).expect("an asset listed a moment ago exists");
            out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", absolute.display().to_string()));
        }
        out.push_str("];\n");
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}

fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix)))
        .collect();
    files.sort();
    files
}
