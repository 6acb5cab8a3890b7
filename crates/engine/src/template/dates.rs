//! Dates in templates: the `date` and `time_zone` filters, and the context a render gets them from.
//!
//! * `{{ event.starts_at | date: "%A %-d %B at %H:%M" }}` reads a timestamp and formats it with a
//!   strftime pattern (jiff's `strtime`), **in the contact's time zone** (the contact's own
//!   `timezone`, else the journey's `default_timezone`, else UTC: the zone quiet hours use), with
//!   day and month names (`%A %a %B %b`) in the contact's `locale` attribute (`en`, `es`, `pt`,
//!   `fr`, `de`; a tag such as `pt-PT` or `fr_FR` counts by its language; anything else is English).
//! * `{{ event.starts_at | time_zone: "Europe/Paris" | date: "%H:%M" }}` forces a zone:
//!   `time_zone` returns the same instant re-expressed in that zone as an RFC 9557 string
//!   (`2026-03-04T16:00:00+01:00[Europe/Paris]`), and `date` formats a value that carries a
//!   `[zone]` annotation in that zone rather than the contact's.
//!
//! What `date` reads: an RFC 3339 timestamp (`Z` or an offset, e.g. `2026-03-04T15:00:00Z`,
//! `2026-03-04T16:00:00+01:00`), the same with a `[zone]` annotation, a calendar date
//! (`2026-03-04`, midnight in the zone), a whole number of seconds since 1970, and `now` (the
//! time of the step being run; a preview has none). Anything else is **rendered unchanged** and
//! reported in [`Rendered::problems`](super::Rendered::problems), as is a pattern jiff does not
//! know (an unknown `%` directive) or an unknown zone; a missing value renders empty (it is
//! already reported as missing). A literal pattern, zone or value is also checked when the
//! template is compiled ([`Template::warnings`](super::Template::warnings)).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime as Zoned};

use crate::state::Contact;

/// Longest date pattern, in bytes (a pattern's width flags make its output at most 255 times as long).
pub const MAX_PATTERN_BYTES: usize = 256;

/// A language for day and month names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// English (the default).
    #[default]
    En,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
    /// French.
    Fr,
    /// German.
    De,
}

impl Locale {
    /// The locale of a language tag (`pt`, `pt-PT`, `fr_FR`, `DE`), by its language; `None` for
    /// a language without names here.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Some(match language.as_str() {
            "en" => Locale::En,
            "es" => Locale::Es,
            "pt" => Locale::Pt,
            "fr" => Locale::Fr,
            "de" => Locale::De,
            _ => return None,
        })
    }

    /// Day names, Monday first: (full, abbreviated).
    fn days(self) -> ([&'static str; 7], [&'static str; 7]) {
        match self {
            Locale::En => (
                ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
                ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            ),
            Locale::Es => (
                ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
                ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
            ),
            Locale::Pt => (
                ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"],
                ["seg", "ter", "qua", "qui", "sex", "sáb", "dom"],
            ),
            Locale::Fr => (
                ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
                ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
            ),
            Locale::De => (
                ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
                ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
            ),
        }
    }

    /// Month names, January first: (full, abbreviated).
    fn months(self) -> ([&'static str; 12], [&'static str; 12]) {
        match self {
            Locale::En => (
                ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
            ),
            Locale::Es => (
                [
                    "enero",
                    "febrero",
                    "marzo",
                    "abril",
                    "mayo",
                    "junio",
                    "julio",
                    "agosto",
                    "septiembre",
                    "octubre",
                    "noviembre",
                    "diciembre",
                ],
                ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
            ),
            Locale::Pt => (
                [
                    "janeiro",
                    "fevereiro",
                    "março",
                    "abril",
                    "maio",
                    "junho",
                    "julho",
                    "agosto",
                    "setembro",
                    "outubro",
                    "novembro",
                    "dezembro",
                ],
                ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
            ),
            Locale::Fr => (
                ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
                ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
            ),
            Locale::De => (
                ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
                ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."],
            ),
        }
    }
}

/// What a render needs to know to write dates: the zone to write them in, the language of day
/// and month names, and the time of the step (for `now`; none in a preview). The default is UTC,
/// English, no `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderContext {
    /// The zone dates are written in (the contact's, else the journey's default).
    pub zone: TimeZone,
    /// Day and month names.
    pub locale: Locale,
    /// The time of the step being run, if any.
    pub now: Option<Timestamp>,
}

impl Default for RenderContext {
    fn default() -> Self {
        RenderContext { zone: TimeZone::UTC, locale: Locale::En, now: None }
    }
}

impl RenderContext {
    /// The context for `contact`: its own time zone when it names a known one, else
    /// `default_zone`; its `locale` attribute; `now`.
    pub fn for_contact(contact: &Contact, default_zone: &TimeZone, now: Option<Timestamp>) -> RenderContext {
        let zone = contact.timezone.as_deref().and_then(|name| TimeZone::get(name).ok()).unwrap_or_else(|| default_zone.clone());
        RenderContext { zone, locale: contact_locale(contact), now }
    }
}

/// The contact's `locale` attribute as a [`Locale`] (English when absent or unknown).
pub fn contact_locale(contact: &Contact) -> Locale {
    contact.attributes.get("locale").and_then(|v| v.as_str()).and_then(Locale::from_tag).unwrap_or_default()
}

/// A value shown in a sentence: at most 40 characters.
fn shown(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() > MAX { format!("{}…", value.chars().take(MAX).collect::<String>()) } else { value.to_string() }
}

/// The instant `value` names, in the zone it carries or else `zone`. The error is one sentence.
pub(crate) fn read(value: &str, zone: &TimeZone, now: Option<Timestamp>) -> Result<Zoned, String> {
    let text = value.trim();
    if text == "now" {
        return now
            .map(|t| t.to_zoned_datetime(zone.clone()))
            .ok_or_else(|| "`now` has no time here (only a running step has one)".to_string());
    }
    if text.contains('[')
        && let Ok(zoned) = text.parse::<Zoned>()
    {
        return Ok(zoned);
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at.to_zoned_datetime(zone.clone()));
    }
    if text.len() == 10
        && let Ok(date) = text.parse::<Date>()
        && let Ok(zoned) = date.to_zoned_datetime(zone.clone())
    {
        return Ok(zoned);
    }
    Err(format!("`{}` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z)", shown(value)))
}

/// The instant of `seconds` since 1970 in `zone`.
pub(crate) fn from_seconds(seconds: i64, zone: &TimeZone) -> Result<Zoned, String> {
    Timestamp::from_second(seconds)
        .map(|t| t.to_zoned_datetime(zone.clone()))
        .map_err(|_| format!("{seconds} seconds since 1970 is not a usable time"))
}

/// `at` formatted with `pattern`, names in `locale`. The error is one sentence naming the pattern.
pub(crate) fn format(at: &Zoned, pattern: &str, locale: Locale) -> Result<String, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("the date pattern is longer than {MAX_PATTERN_BYTES} bytes"));
    }
    let localised = localise(pattern, at, locale);
    jiff::fmt::strtime::format(localised.as_bytes(), at).map_err(|e| {
        let why = e.to_string();
        let why = why.strip_prefix("strftime formatting failed: ").unwrap_or(&why).to_string();
        format!("`{}` is not a date pattern: {why}", shown(pattern))
    })
}

/// Checks a pattern without a value (for validation): the same error [`format`] would give.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    let sample = Timestamp::UNIX_EPOCH.to_zoned_datetime(TimeZone::UTC);
    format(&sample, pattern, Locale::En).map(|_| ())
}

/// Checks a zone name (for validation and `time_zone`).
pub fn check_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name.trim()).map_err(|_| format!("`{}` is not a time zone (an IANA name like Europe/Paris)", shown(name)))
}

/// `pattern` with `%A %a %B %b` (and their `^` upper-case form) replaced by `at`'s names in
/// `locale`; everything else, `%%` included, left for jiff. English is jiff's own.
fn localise(pattern: &str, at: &Zoned, locale: Locale) -> String {
    if locale == Locale::En || !pattern.contains('%') {
        return pattern.to_string();
    }
    let (days, days_short) = locale.days();
    let (months, months_short) = locale.months();
    let weekday = at.weekday().to_monday_zero_offset() as usize;
    let month = (at.month() - 1) as usize;
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // A directive: flags, width, precision, colons, then the conversion.
        let mut upper = false;
        let mut end = start + 1;
        let mut conversion = None;
        while let Some(&(i, d)) = chars.peek() {
            chars.next();
            end = i + d.len_utf8();
            if matches!(d, '-' | '_' | '0' | '^' | '#' | ':' | '.') || d.is_ascii_digit() {
                upper |= d == '^';
                continue;
            }
            conversion = Some(d);
            break;
        }
        let name = match conversion {
            Some('A') => days.get(weekday),
            Some('a') => days_short.get(weekday),
            Some('B') => months.get(month),
            Some('b' | 'h') => months_short.get(month),
            _ => None,
        };
        match name {
            Some(name) if upper => out.push_str(&name.to_uppercase()),
            Some(name) => out.push_str(name),
            None => out.push_str(&pattern[start..end]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("known zone")
    }

    fn fmt(value: &str, zone_name: &str, pattern: &str, locale: Locale) -> Result<String, String> {
        read(value, &zone(zone_name), None).and_then(|at| format(&at, pattern, locale))
    }

    #[test]
    fn formats_in_the_zone() {
        let p = "%A %-d %B at %H:%M";
        assert_eq!(fmt("2026-03-04T15:00:00Z", "Europe/Lisbon", p, Locale::En).as_deref(), Ok("Wednesday 4 March at 15:00"));
        assert_eq!(fmt("2026-03-04T15:00:00Z", "America/New_York", p, Locale::En).as_deref(), Ok("Wednesday 4 March at 10:00"));
        assert_eq!(fmt("2026-03-04T15:00:00Z", "Asia/Tokyo", p, Locale::En).as_deref(), Ok("Thursday 5 March at 00:00"));
        // An offset in the value names the instant; the zone still decides how it is written.
        assert_eq!(fmt("2026-03-04T16:00:00+01:00", "UTC", "%H:%M %Z", Locale::En).as_deref(), Ok("15:00 UTC"));
        assert_eq!(fmt("2026-03-04T10:00:00-05:00", "Europe/Paris", "%H:%M %:z", Locale::En).as_deref(), Ok("16:00 +01:00"));
        // A value carrying a zone annotation is written in that zone.
        assert_eq!(fmt("2026-03-04T16:00:00+01:00[Europe/Paris]", "Asia/Tokyo", "%H:%M", Locale::En).as_deref(), Ok("16:00"));
        // A calendar date is midnight in the zone; seconds since 1970 are an instant.
        assert_eq!(fmt("2026-03-04", "Asia/Tokyo", "%-d %b %Y %H:%M", Locale::En).as_deref(), Ok("4 Mar 2026 00:00"));
        assert_eq!(
            from_seconds(0, &zone("Asia/Tokyo")).and_then(|z| format(&z, "%F %T", Locale::En)).as_deref(),
            Ok("1970-01-01 09:00:00")
        );
    }

    #[test]
    fn daylight_saving_boundaries() {
        // Europe/Lisbon moves from WET (+00) to WEST (+01) at 01:00 UTC on 29 March 2026.
        assert_eq!(fmt("2026-03-29T00:59:00Z", "Europe/Lisbon", "%H:%M %Z", Locale::En).as_deref(), Ok("00:59 WET"));
        assert_eq!(fmt("2026-03-29T01:00:00Z", "Europe/Lisbon", "%H:%M %Z", Locale::En).as_deref(), Ok("02:00 WEST"));
        // New York falls back at 06:00 UTC on 1 November 2026: 01:30 happens twice.
        assert_eq!(fmt("2026-11-01T05:30:00Z", "America/New_York", "%H:%M %:z", Locale::En).as_deref(), Ok("01:30 -04:00"));
        assert_eq!(fmt("2026-11-01T06:30:00Z", "America/New_York", "%H:%M %:z", Locale::En).as_deref(), Ok("01:30 -05:00"));
        // A calendar date whose midnight does not exist (Santiago springs forward at 00:00) still reads.
        assert_eq!(fmt("2026-09-06", "America/Santiago", "%-d %B %H:%M", Locale::En).as_deref(), Ok("6 September 01:00"));
    }

    #[test]
    fn names_in_every_locale() {
        let cases = [
            (Locale::En, "Wednesday 4 March (Wed, Mar)"),
            (Locale::Es, "miércoles 4 marzo (mié, mar)"),
            (Locale::Pt, "quarta-feira 4 março (qua, mar)"),
            (Locale::Fr, "mercredi 4 mars (mer., mars)"),
            (Locale::De, "Mittwoch 4 März (Mi., März)"),
        ];
        for (locale, expected) in cases {
            assert_eq!(fmt("2026-03-04T15:00:00Z", "UTC", "%A %-d %B (%a, %b)", locale).as_deref(), Ok(expected), "{locale:?}");
        }
        // Every day and month, upper-cased with `^`; `%%` stays a percent sign.
        assert_eq!(fmt("2026-08-09T12:00:00Z", "UTC", "%^A %^B 100%% %Y", Locale::Pt).as_deref(), Ok("DOMINGO AGOSTO 100% 2026"));
        assert_eq!(fmt("2026-02-14T12:00:00Z", "UTC", "%A %B", Locale::Fr).as_deref(), Ok("samedi février"));
        assert_eq!(fmt("2026-12-25T12:00:00Z", "UTC", "%a %-d. %b", Locale::De).as_deref(), Ok("Fr. 25. Dez."));
        assert_eq!(fmt("2026-09-01T12:00:00Z", "UTC", "%A %-d de %B", Locale::Es).as_deref(), Ok("martes 1 de septiembre"));
        for m in 1..=12 {
            let value = format!("2026-{m:02}-15T12:00:00Z");
            for locale in [Locale::Es, Locale::Pt, Locale::Fr, Locale::De] {
                let out = fmt(&value, "UTC", "%B|%b|%A|%a", locale).expect("formats");
                assert!(!out.contains('%') && out.split('|').all(|p| !p.is_empty()), "{locale:?} {m}: {out}");
            }
        }
    }

    #[test]
    fn locale_tags_map_by_language() {
        assert_eq!(Locale::from_tag("pt-PT"), Some(Locale::Pt));
        assert_eq!(Locale::from_tag("fr_FR"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("DE"), Some(Locale::De));
        assert_eq!(Locale::from_tag("es-419"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("en-GB"), Some(Locale::En));
        assert_eq!(Locale::from_tag("ja"), None);
        assert_eq!(Locale::from_tag(""), None);
    }

    #[test]
    fn bad_patterns_and_values_say_why() {
        let err = check_pattern("%H:%M %K").expect_err("unknown directive");
        assert!(err.starts_with("`%H:%M %K` is not a date pattern"), "{err}");
        assert!(check_pattern("%").is_err());
        assert!(check_pattern(&"%Y".repeat(200)).expect_err("too long").contains("longer than 256"));
        assert_eq!(check_pattern("%A %-d %B at %H:%M"), Ok(()));
        assert_eq!(check_pattern("no directives at all"), Ok(()));
        let err = read("next tuesday", &TimeZone::UTC, None).expect_err("not a timestamp");
        assert_eq!(err, "`next tuesday` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z)");
        // A civil date-time without an offset names no instant.
        assert!(read("2026-03-04T15:00:00", &TimeZone::UTC, None).is_err());
        assert!(read("now", &TimeZone::UTC, None).expect_err("no clock").contains("`now`"));
        let now: Timestamp = "2026-03-02T09:00:00Z".parse().expect("time");
        assert_eq!(read("now", &zone("Asia/Tokyo"), Some(now)).map(|z| z.hour()), Ok(18));
        assert!(check_zone("Mars/Olympus").expect_err("unknown").contains("not a time zone"));
        assert!(check_zone("Europe/Paris").is_ok());
    }
}
