//! Calendar maths for the sending rules and waits: quiet hours in a contact's zone, the next
//! local time of day, adding seconds without overflow. Pure functions of their arguments (the
//! interpreter passes the step's time; nothing here reads a clock).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::program::QuietHours;

pub(super) fn add_secs(at: Timestamp, secs: i64) -> Timestamp {
    at.saturating_add(SignedDuration::from_secs(secs)).unwrap_or(at)
}

/// Whether `now` falls in quiet hours in `zone`; if so, when they end.
pub fn quiet_hours_end(quiet: QuietHours, now: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(zone.clone());
    let t = local.time();
    let second = i32::from(t.hour()) * 3600 + i32::from(t.minute()) * 60 + i32::from(t.second());
    let (start, end) = (quiet.start, quiet.end);
    let quiet_now = if start < end {
        second >= start && second < end
    } else if start > end {
        second >= start || second < end
    } else {
        false
    };
    if !quiet_now {
        return None;
    }
    let mut date = local.date();
    if start > end && second >= start {
        date = date.tomorrow().ok()?;
    }
    let end_time = date.at((end / 3600) as i8, ((end % 3600) / 60) as i8, 0, 0);
    end_time.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}

/// The next `hour:minute` local time in `zone` at or after `now`.
pub fn next_local_time(hour: i8, minute: i8, now: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(zone.clone());
    let today = local.date().at(hour, minute, 0, 0).to_zoned_datetime(zone.clone()).ok()?.timestamp();
    if today >= now {
        return Some(today);
    }
    local.date().tomorrow().ok()?.at(hour, minute, 0, 0).to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}
