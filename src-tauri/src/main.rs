//! The Itinera desktop app (see lib.rs).
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    itinera_desktop::run();
}
