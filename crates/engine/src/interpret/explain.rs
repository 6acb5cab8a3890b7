//! The English of the step log: times, durations, quoted replies, channel names. Every
//! sentence a trace shows is built from these, so the simulator and the engine explain alike.

use jiff::Timestamp;

use crate::program::Channel;

/// `2026-03-02 09:00 UTC`.
pub fn human_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub(super) fn human_duration(secs: i64) -> String {
    itinera_model::Duration::from_secs(secs).to_string()
}

pub(super) fn quote(text: &str) -> String {
    const MAX: usize = 40;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > MAX { format!("'{}…'", flat.chars().take(MAX).collect::<String>().trim_end()) } else { format!("'{flat}'") }
}

pub(super) fn channel_label(channel: &str) -> &str {
    Channel::parse(channel).map_or(channel, |c| c.label())
}

pub(super) fn describe_reply(text: Option<&str>, button: Option<&str>) -> String {
    match (text, button) {
        (Some(t), Some(b)) => format!("{} (button {b})", quote(t)),
        (Some(t), None) => quote(t),
        (None, Some(b)) => format!("button {b}"),
        (None, None) => "(empty)".to_string(),
    }
}
