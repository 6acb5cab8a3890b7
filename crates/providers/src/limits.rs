//! Sending rules shared by every provider: a token bucket per sender, retries with exponential
//! backoff and jitter, and a circuit breaker. Everything is driven by the engine clock's `now`
//! (the one given to [`itinera_runtime::Channel::attempt`]), so a manual clock makes it
//! deterministic; the jitter is derived from the idempotency key, not from a random source.
//!
//! * **Rate.** A bucket of `rate` tokens a second holding at most `max(rate, 1)`: an attempt
//!   takes one; with none left the row is answered [`Attempt::Later`] at the instant the next
//!   token comes (no attempt counted).
//! * **Throttling.** When the provider itself says "too many" (HTTP 429, WhatsApp 130429 and
//!   131056), the whole provider pauses — its `Retry-After`, else 1 s, 2 s, 4 s, … up to 60 s on
//!   consecutive throttles — and the row waits ([`Attempt::Later`], not counted).
//! * **Transient failures** (5xx, timeouts, connection errors) are retried with
//!   [`Attempt::Retry`] after 2^attempts seconds (capped at 10 minutes) plus up to half of that
//!   again as jitter; they count towards `max_attempts`.
//! * **Circuit.** After [`Limits::failures_to_open`] consecutive transient failures the circuit
//!   opens for [`Limits::open_for`] (doubled on every reopening, up to 10 minutes): nothing is
//!   called and every row waits ([`Attempt::Later`]); then one probe goes out (half-open) — a
//!   success closes it, a failure opens it again. The failure that opens it, the failures of
//!   calls already in flight then, and a failed probe are not counted as attempts either: a long
//!   outage parks the messages in the outbox, it never fails them.

use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use itinera_runtime::Attempt;
use jiff::{SignedDuration, Timestamp};

/// What a provider's answer means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderFailure {
    /// Failed for good, with this reason code (`undeliverable`, `outside_24h_window`, or the
    /// provider's code, e.g. `whatsapp_131009`, `twilio_21211`, `http_401`).
    Failed(String),
    /// The contact opted out (or blocked us): consent is revoked, the message fails `opt_out`.
    OptOut {
        /// The consent evidence's source (`whatsapp error 131050`).
        source: String,
    },
    /// The provider asks us to slow down: back off and try again (not counted).
    Throttled {
        /// What it said.
        error: String,
    },
    /// The provider is in trouble (5xx, timeout): try again later (counted).
    Transient {
        /// What went wrong (never a secret or a URL).
        error: String,
    },
}

/// How one provider call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken, with the provider's id of the message.
    Accepted(Option<String>),
    /// Not taken.
    Failure(ProviderFailure),
}

/// A provider's sending rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Attempts a second (the token bucket's rate).
    pub rate: f64,
    /// Consecutive transient failures that open the circuit.
    pub failures_to_open: u32,
    /// How long the circuit stays open the first time.
    pub open_for: SignedDuration,
}

impl Limits {
    /// `rate` a second, the circuit opening after 5 failures for 30 s.
    pub fn new(rate: f64) -> Limits {
        Limits { rate, failures_to_open: 5, open_for: SignedDuration::from_secs(30) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Circuit {
    Closed,
    Open {
        until: Timestamp,
    },
    /// One probe is out.
    HalfOpen,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    refilled: Option<Timestamp>,
    failures: u32,
    circuit: Circuit,
    reopenings: u32,
    paused_until: Option<Timestamp>,
    throttles: u32,
}

/// The rules' state for one sender (a WhatsApp number, a Twilio sender, a mail account).
#[derive(Debug)]
pub struct Guard {
    limits: Limits,
    state: Mutex<State>,
}

const MAX_BACKOFF_SECS: i64 = 600;
const MAX_THROTTLE_SECS: i64 = 60;

fn plus(now: Timestamp, d: SignedDuration) -> Timestamp {
    now.saturating_add(d).unwrap_or(now)
}

fn secs_f64(secs: f64) -> SignedDuration {
    SignedDuration::from_nanos((secs.max(0.0) * 1e9).ceil() as i64)
}

/// The retry time of attempt `attempts + 1` of the row with this key: 2^attempts seconds
/// (capped at 10 minutes) plus a jitter of up to half of that, derived from the key.
pub fn backoff(now: Timestamp, attempts: u32, key: &str) -> Timestamp {
    let base_ms = (1i64 << attempts.min(20)).min(MAX_BACKOFF_SECS) * 1000;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (key, attempts).hash(&mut hasher);
    let jitter = (hasher.finish() % (base_ms as u64 / 2 + 1)) as i64;
    plus(now, SignedDuration::from_millis(base_ms + jitter))
}

impl Guard {
    /// A guard with these rules, the bucket full.
    pub fn new(limits: Limits) -> Guard {
        let state = State {
            tokens: limits.rate.max(1.0),
            refilled: None,
            failures: 0,
            circuit: Circuit::Closed,
            reopenings: 0,
            paused_until: None,
            throttles: 0,
        };
        Guard { limits, state: Mutex::new(state) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// May a call go out at `now`? `Err` is the answer for the row instead
    /// ([`Attempt::Later`]).
    pub fn admit(&self, now: Timestamp) -> Result<(), Attempt> {
        let mut s = self.lock();
        if let Some(until) = s.paused_until {
            if now < until {
                return Err(Attempt::Later { at: until, why: "provider throttling: paused".into() });
            }
            s.paused_until = None;
        }
        let probe = match s.circuit {
            Circuit::Closed => false,
            Circuit::Open { until } if now < until => return Err(Attempt::Later { at: until, why: "circuit open".into() }),
            Circuit::Open { .. } => true,
            Circuit::HalfOpen => {
                return Err(Attempt::Later {
                    at: plus(now, SignedDuration::from_secs(1)),
                    why: "circuit half-open: a probe is out".into(),
                });
            }
        };
        // The bucket.
        let capacity = self.limits.rate.max(1.0);
        if let Some(last) = s.refilled
            && now > last
        {
            let elapsed = now.duration_since(last).as_secs_f64();
            s.tokens = (s.tokens + elapsed * self.limits.rate).min(capacity);
        }
        if s.refilled.is_none_or(|last| now > last) {
            s.refilled = Some(now);
        }
        if s.tokens < 1.0 {
            let wait = (1.0 - s.tokens) / self.limits.rate;
            return Err(Attempt::Later { at: plus(now, secs_f64(wait)), why: "rate limit".into() });
        }
        s.tokens -= 1.0;
        if probe {
            s.circuit = Circuit::HalfOpen;
        }
        Ok(())
    }

    /// The row's answer for a call's outcome, updating the circuit and the pause.
    /// `retry_after` is the provider's `Retry-After`, when it gave one.
    pub fn finish(&self, now: Timestamp, attempts: u32, key: &str, outcome: Outcome, retry_after: Option<SignedDuration>) -> Attempt {
        let mut s = self.lock();
        let healthy = |s: &mut State| {
            s.failures = 0;
            s.reopenings = 0;
            s.circuit = Circuit::Closed;
        };
        match outcome {
            Outcome::Accepted(provider_id) => {
                healthy(&mut s);
                s.throttles = 0;
                Attempt::Accepted { provider_id }
            }
            Outcome::Failure(ProviderFailure::Failed(reason)) => {
                healthy(&mut s);
                Attempt::Done(Err(reason))
            }
            Outcome::Failure(ProviderFailure::OptOut { source }) => {
                healthy(&mut s);
                Attempt::OptOut { source }
            }
            Outcome::Failure(ProviderFailure::Throttled { error }) => {
                // It answered: it is up, just busy.
                healthy(&mut s);
                let own = SignedDuration::from_secs((1i64 << s.throttles.min(10)).min(MAX_THROTTLE_SECS));
                s.throttles += 1;
                let wait =
                    retry_after.filter(jiff::SignedDuration::is_positive).unwrap_or(own).min(SignedDuration::from_secs(MAX_BACKOFF_SECS));
                let until = plus(now, wait);
                s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
                Attempt::Later { at: until, why: error }
            }
            Outcome::Failure(ProviderFailure::Transient { error }) => {
                s.failures += 1;
                match s.circuit {
                    Circuit::Open { until } => Attempt::Later { at: until, why: error },
                    Circuit::HalfOpen => {
                        let until = self.open(&mut s, now);
                        Attempt::Later { at: until, why: error }
                    }
                    Circuit::Closed if s.failures >= self.limits.failures_to_open => {
                        let until = self.open(&mut s, now);
                        Attempt::Later { at: until, why: error }
                    }
                    Circuit::Closed => Attempt::Retry { error, at: backoff(now, attempts, key) },
                }
            }
        }
    }

    fn open(&self, s: &mut State, now: Timestamp) -> Timestamp {
        let factor = 1i64 << s.reopenings.min(10);
        let secs = (self.limits.open_for.as_secs() * factor).clamp(1, MAX_BACKOFF_SECS);
        s.reopenings += 1;
        let until = plus(now, SignedDuration::from_secs(secs));
        s.circuit = Circuit::Open { until };
        tracing::warn!(open_for_secs = secs, "provider circuit open after consecutive failures");
        until
    }

    /// Whether the circuit is open (or half-open) now.
    pub fn is_open(&self) -> bool {
        !matches!(self.lock().circuit, Circuit::Closed)
    }
}

/// The `Retry-After` of a response, in seconds (the HTTP-date form is not used by these
/// providers).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<SignedDuration> {
    let secs: i64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(SignedDuration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: f64) -> Timestamp {
        plus("2026-03-02T09:00:00Z".parse().unwrap(), secs_f64(secs))
    }

    #[test]
    fn the_bucket_admits_its_rate_and_says_when_the_next_token_comes() {
        let guard = Guard::new(Limits::new(2.0));
        assert!(guard.admit(t(0.0)).is_ok());
        assert!(guard.admit(t(0.0)).is_ok());
        match guard.admit(t(0.0)) {
            Err(Attempt::Later { at, .. }) => assert_eq!(at, t(0.5)),
            other => panic!("{other:?}"),
        }
        assert!(guard.admit(t(0.5)).is_ok());
        assert!(guard.admit(t(0.5)).is_err());
        // A long pause refills to the capacity, not beyond.
        assert!(guard.admit(t(100.0)).is_ok());
        assert!(guard.admit(t(100.0)).is_ok());
        assert!(guard.admit(t(100.0)).is_err());
    }

    #[test]
    fn backoff_doubles_with_jitter_of_at_most_half() {
        let now = t(0.0);
        for attempts in 0..12u32 {
            let base = (1i64 << attempts).min(600);
            let at = backoff(now, attempts, "k");
            let d = at.duration_since(now).as_secs_f64();
            assert!(d >= base as f64 && d <= base as f64 * 1.5, "{attempts}: {d}");
            assert_eq!(backoff(now, attempts, "k"), at, "deterministic");
        }
        assert_ne!(backoff(now, 5, "a"), backoff(now, 5, "b"), "the key spreads retries");
    }

    fn transient() -> Outcome {
        Outcome::Failure(ProviderFailure::Transient { error: "http_503".into() })
    }

    #[test]
    fn the_circuit_opens_probes_and_closes() {
        let guard = Guard::new(Limits { rate: 100.0, failures_to_open: 3, open_for: SignedDuration::from_secs(30) });
        for i in 0..2 {
            assert!(guard.admit(t(0.0)).is_ok());
            assert!(matches!(guard.finish(t(0.0), i, "k", transient(), None), Attempt::Retry { .. }));
        }
        assert!(guard.admit(t(0.0)).is_ok());
        assert_eq!(guard.finish(t(0.0), 2, "k", transient(), None), Attempt::Later { at: t(30.0), why: "http_503".into() });
        assert_eq!(guard.admit(t(10.0)), Err(Attempt::Later { at: t(30.0), why: "circuit open".into() }));
        // Half-open: one probe, the others wait.
        assert!(guard.admit(t(30.0)).is_ok());
        assert!(matches!(guard.admit(t(30.0)), Err(Attempt::Later { .. })));
        // The probe fails: open again, twice as long.
        assert_eq!(guard.finish(t(30.0), 0, "k", transient(), None), Attempt::Later { at: t(90.0), why: "http_503".into() });
        assert!(guard.admit(t(89.0)).is_err());
        assert!(guard.admit(t(90.0)).is_ok());
        let accepted = guard.finish(t(90.0), 0, "k", Outcome::Accepted(Some("id".into())), None);
        assert_eq!(accepted, Attempt::Accepted { provider_id: Some("id".into()) });
        assert!(!guard.is_open());
        assert!(guard.admit(t(90.0)).is_ok());
    }

    #[test]
    fn throttling_pauses_the_provider() {
        let guard = Guard::new(Limits::new(100.0));
        let throttled = || Outcome::Failure(ProviderFailure::Throttled { error: "http_429".into() });
        assert!(guard.admit(t(0.0)).is_ok());
        assert_eq!(
            guard.finish(t(0.0), 0, "k", throttled(), Some(SignedDuration::from_secs(7))),
            Attempt::Later { at: t(7.0), why: "http_429".into() }
        );
        assert!(matches!(guard.admit(t(6.9)), Err(Attempt::Later { at, .. }) if at == t(7.0)));
        assert!(guard.admit(t(7.0)).is_ok());
        // Without Retry-After: 2 s after a second throttle in a row.
        assert_eq!(guard.finish(t(7.0), 0, "k", throttled(), None), Attempt::Later { at: t(9.0), why: "http_429".into() });
    }
}
