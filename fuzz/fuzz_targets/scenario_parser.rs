#![no_main]
//! Any bytes through the scenario parser: never a panic. (Placeholder until the parser lands.)
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = std::str::from_utf8(data);
});
