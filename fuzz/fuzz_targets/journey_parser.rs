#![no_main]
//! Any bytes through the journey parser and validator: never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = itinera_model::check_source(text);
    }
});
