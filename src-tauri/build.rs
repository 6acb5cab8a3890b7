//! tauri.conf.json and capabilities/ live at the repository root (one config for the whole
//! project); tauri-build reads them from the current directory, so run it from there.

fn main() {
    let manifest = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("src-tauri has a parent folder");
    std::env::set_current_dir(root).expect("the repository root is readable");
    println!("cargo:rerun-if-changed={}", root.join("tauri.conf.json").display());
    println!("cargo:rerun-if-changed={}", root.join("capabilities").display());
    tauri_build::build();
}
