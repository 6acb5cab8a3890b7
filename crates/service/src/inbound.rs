//! Inbound webhooks after their signature was checked (by the front door, with
//! `itinera_inbound::verify`): keep the raw request and apply what it says in one transaction
//! (`itinera_runtime::inbound`), then wake the engine.

use itinera_engine::{Clock, SystemClock};
pub use itinera_inbound::Inbound;
use itinera_runtime::inbound as rt;
pub use itinera_runtime::inbound::{Accepted as InboundAnswer, Failure, Raw};

use crate::error::Error;
use crate::live::{LiveEngine, from_runtime};

impl LiveEngine {
    /// Keeps a verified request and applies its items (replies, receipts, events);
    /// `classify(channel, code)` maps a provider's error code to a reason and whether it is an
    /// opt-out.
    pub fn accept_inbound(
        &self,
        raw: Raw<'_>,
        items: &[Inbound],
        classify: &dyn Fn(&str, &str) -> Failure,
    ) -> Result<InboundAnswer, Error> {
        let now = SystemClock.now();
        let answer = self.with_store(|store| rt::accept(store, raw, items, classify, now).map_err(from_runtime))?;
        if answer.inputs > 0 {
            self.wake();
        }
        Ok(answer)
    }

    /// A verified one-click unsubscribe: keeps the request and revokes `contact`'s consent on
    /// `channel`.
    pub fn unsubscribe(&self, raw: Raw<'_>, contact: &str, channel: &str) -> Result<InboundAnswer, Error> {
        let now = SystemClock.now();
        self.with_store(|store| rt::unsubscribe(store, raw, contact, channel, now).map_err(from_runtime))
    }
}
