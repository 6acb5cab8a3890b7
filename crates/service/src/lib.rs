//! The operations both front doors (Tauri commands, HTTP routes) call.
