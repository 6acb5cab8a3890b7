//! Durations as written in journeys and scenarios: `"45s"`, `"15m"`, `"2h"`, `"3d"`, `"1w"`,
//! `"1h30m"`, optionally signed (`"-24h"`, `"+2h"`) where an offset is allowed.

use std::fmt;

/// A span of time in whole seconds. Negative only where the format allows a sign (offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    seconds: i64,
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string is empty.
    #[error("empty duration (write e.g. \"15m\", \"2h\", \"1h30m\")")]
    Empty,
    /// The string does not follow `<number><unit>...`.
    #[error("`{0}` is not a duration (write e.g. \"45s\", \"15m\", \"2h\", \"3d\", \"1w\", \"1h30m\")")]
    Malformed(String),
    /// The value does not fit in 64 bits of seconds.
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

impl Duration {
    /// Zero seconds.
    pub const ZERO: Duration = Duration { seconds: 0 };

    /// A duration of `seconds` seconds.
    pub const fn from_secs(seconds: i64) -> Self {
        Duration { seconds }
    }

    /// The length in seconds (negative for a negative offset).
    pub const fn as_secs(self) -> i64 {
        self.seconds
    }

    /// Parses an unsigned duration such as `"1h30m"`. Signs are rejected.
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let t = text.trim();
        if t.starts_with(['+', '-']) {
            return Err(DurationError::Malformed(text.to_string()));
        }
        Self::parse_signed(text)
    }

    /// Parses a duration that may carry a leading `+` or `-` (offsets, relative times).
    pub fn parse_signed(text: &str) -> Result<Duration, DurationError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(DurationError::Empty);
        }
        let (sign, body) = match t.as_bytes()[0] {
            b'-' => (-1i64, &t[1..]),
            b'+' => (1i64, &t[1..]),
            _ => (1i64, t),
        };
        if body.is_empty() {
            return Err(DurationError::Malformed(text.to_string()));
        }
        let malformed = || DurationError::Malformed(text.to_string());
        let overflow = || DurationError::Overflow(text.to_string());
        let mut total: i64 = 0;
        let mut number: Option<i64> = None;
        let mut last_rank = usize::MAX;
        for c in body.chars() {
            if let Some(d) = c.to_digit(10) {
                let n = number.unwrap_or(0);
                number = Some(n.checked_mul(10).and_then(|n| n.checked_add(i64::from(d))).ok_or_else(overflow)?);
                continue;
            }
            let (rank, unit) = match c {
                'w' => (0, 7 * 86_400),
                'd' => (1, 86_400),
                'h' => (2, 3_600),
                'm' => (3, 60),
                's' => (4, 1),
                _ => return Err(malformed()),
            };
            // Units must come largest first, each at most once: "1h30m", not "30m1h".
            if last_rank != usize::MAX && rank <= last_rank {
                return Err(malformed());
            }
            last_rank = rank;
            let n = number.take().ok_or_else(malformed)?;
            total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(overflow)?;
        }
        if number.is_some() || last_rank == usize::MAX {
            return Err(malformed());
        }
        Ok(Duration { seconds: sign * total })
    }
}

impl fmt::Display for Duration {
    /// Canonical form: largest units first, e.g. `1d2h`, `-24h`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        if self.seconds < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.seconds.unsigned_abs();
        for (unit, size) in [("d", 86_400u64), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= size {
                write!(f, "{}{}", rest / size, unit)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        for (text, secs) in [("45s", 45), ("15m", 900), ("2h", 7200), ("3d", 259_200), ("1w", 604_800), ("1h30m", 5400)] {
            assert_eq!(Duration::parse(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        assert_eq!(Duration::parse_signed("-24h"), Ok(Duration::from_secs(-86_400)));
        assert_eq!(Duration::parse_signed("+2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn rejects_malformed() {
        for text in ["", "soon", "5", "h", "1x", "30m1h", "1h1h", "-2h", "1.5h", "2 h"] {
            assert!(Duration::parse(text).is_err(), "{text:?} should be rejected");
        }
        assert!(matches!(Duration::parse("99999999999999999999s"), Err(DurationError::Overflow(_))));
    }

    #[test]
    fn display_round_trips() {
        for secs in [0, 1, 59, 60, 3600, 5400, 86_400, 90_061, -86_400] {
            let d = Duration::from_secs(secs);
            assert_eq!(Duration::parse_signed(&d.to_string()), Ok(d));
        }
    }
}
