//! `HH:MM` has one reading: the one validation and the engine share
//! (`itinera_model::journey::parse_local_time`).

use itinera_model::journey::parse_local_time;

#[test]
fn only_two_digit_24_hour_times_read() {
    let read = [("00:00", (0, 0)), ("09:05", (9, 5)), ("23:59", (23, 59)), ("12:30", (12, 30))];
    for (text, want) in read {
        assert_eq!(parse_local_time(text), Some(want), "{text}");
    }
    // What the engine once read leniently (trimmed, signed, one digit) is refused, as validation refuses it.
    for text in ["9:00", " 09:00", "09:00 ", "+9:05", "-1:00", "24:00", "09:60", "0900", "09:0", "09:000", "", ":", "٠٩:٠٠", "09h00"] {
        assert_eq!(parse_local_time(text), None, "{text:?}");
    }
}
