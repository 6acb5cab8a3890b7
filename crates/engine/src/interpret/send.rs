//! Sending a message: the chain of sending rules (consent, the WhatsApp window, quiet hours,
//! the frequency cap, transactional exemptions, the channel's size limits), rendering each part
//! of the message within its bounds, and the effect that asks a channel to send it.

use serde_json::{Map, Value};

use super::{
    Channel, Contact, Effects, Flow, OutgoingMessage, Reason, RenderContext, RenderError, Run, SendOp, Status, Step, StepResult, Template,
    WHATSAPP_WINDOW_SECS, Waiting, add_secs, limits, quiet_hours_end, quote,
};

impl<E: Effects + ?Sized> Run<'_, E> {
    pub(super) fn send(&mut self, node: usize, op: &SendOp) -> Flow {
        let channel = op.channel;
        let contact = &*self.contact;
        let has_address = contact.addresses.get(channel.as_str()).is_some_and(|a| !a.trim().is_empty());
        let stopped = if !has_address {
            Some(Reason::NoAddress)
        } else if !self.consents(channel) {
            Some(Reason::NoConsent)
        } else if channel == Channel::Whatsapp
            && op.template.is_none()
            && self
                .whatsapp_inbound
                .or(contact.last_whatsapp_inbound)
                .is_none_or(|at| self.now.as_second() - at.as_second() > WHATSAPP_WINDOW_SECS)
        {
            Some(Reason::Outside24hWindow)
        } else if let Some((max, per)) = self.program.settings.frequency_cap {
            let since = self.now.as_second() - per;
            let recent = self.state.sent_at.iter().filter(|t| t.as_second() > since && **t <= self.now).count();
            (recent >= max as usize).then_some(Reason::FrequencyCapped)
        } else {
            None
        };
        // A transactional send is exempt from the cap and quiet hours; its step says when that
        // made a difference.
        let mut exempt: Vec<&'static str> = Vec::new();
        let stopped = match stopped {
            Some(Reason::FrequencyCapped) if op.transactional => {
                exempt.push("transactional: the frequency cap does not apply");
                None
            }
            other => other,
        };
        if let Some(reason) = stopped {
            let port = self.failure_port(node);
            self.failed(node, channel.label(), reason, port);
            return Flow::Go(port);
        }
        if let Some(quiet) = self.program.settings.quiet_hours {
            let zone = self.zone();
            if op.transactional {
                if quiet_hours_end(quiet, self.now, &zone).is_some() {
                    exempt.push("transactional: quiet hours do not apply");
                }
            } else if let Some(until) = quiet_hours_end(quiet, self.now, &zone) {
                let label = if self.detail {
                    let local = until.to_zoned_datetime(zone.clone());
                    format!("deferred to {} {}: quiet hours", local.strftime("%H:%M"), self.zone_name())
                } else {
                    String::new()
                };
                self.wait(node, Waiting::QuietHours { until });
                self.fx.wake_at(until);
                self.step(node, StepResult::Deferred, Some(Reason::QuietHours), None, || label);
                return Flow::Stop;
            }
        }
        // Render. Always, not only for detail: a template that cannot render within its bounds,
        // or a message longer than its channel takes, fails the step before anything is sent.
        let params = op.template.iter().flat_map(|(_, _, params)| params.iter());
        let context = self.render_context(op.text.iter().chain(op.subject.iter()).chain(params));
        let compiled = &self.program.nodes[node];
        let mut notes = Notes::default();
        let rendered = (|| -> Result<_, RenderError> {
            let (text_part, text_max, text_unit) = match channel {
                Channel::Sms => ("SMS text", limits::SMS_TEXT_MAX_CHARS, Unit::Chars),
                Channel::Whatsapp => ("WhatsApp text", limits::WHATSAPP_TEXT_MAX_CHARS, Unit::Chars),
                Channel::Email => ("email body", limits::EMAIL_BODY_MAX_BYTES, Unit::Bytes),
            };
            let mut part = |t: &Template, what: &'static str, max: usize, unit: Unit| {
                render_part(t, &self.contact, &self.state.event, &context, self.detail, &mut notes, what, max, unit)
            };
            let text = op.text.as_ref().map(|t| part(t, text_part, text_max, text_unit)).transpose()?.flatten();
            let subject =
                op.subject.as_ref().map(|t| part(t, "email subject", limits::EMAIL_SUBJECT_MAX_CHARS, Unit::Chars)).transpose()?.flatten();
            let params = match &op.template {
                Some((_, _, params)) => params
                    .iter()
                    .map(|p| part(p, "template parameter", limits::MAX_OUTPUT_BYTES, Unit::Bytes))
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            Ok((text, subject, params))
        })();
        let (text, subject, params) = match rendered {
            Ok(parts) => parts,
            Err(err) => {
                let port = self.failure_port(node);
                self.failed_because(node, channel.label(), Reason::TemplateError, port, || format!("template error: {err}"));
                return Flow::Go(port);
            }
        };
        let template = op.template.as_ref().map(|(name, lang, _)| {
            (name.as_str(), lang.as_str(), if self.detail { params.into_iter().flatten().collect::<Vec<_>>() } else { Vec::new() })
        });
        let detail = if self.detail {
            let mut d = match (&template, &text) {
                (Some((name, _, _)), _) => format!("{} template {name} sent", channel.label()),
                (None, Some(text)) => match &subject {
                    Some(subject) => format!("{} sent: {} — {}", channel.label(), quote(subject), quote(text)),
                    None => format!("{} sent: {}", channel.label(), quote(text)),
                },
                (None, None) => format!("{} sent", channel.label()),
            };
            if !op.buttons.is_empty() {
                let titles: Vec<&str> = op.buttons.iter().map(|(_, title)| title.as_str()).collect();
                d.push_str(&format!(" [{}]", titles.join(" / ")));
            }
            d.push_str(&notes.suffix());
            if !exempt.is_empty() {
                d.push_str(&format!(" ({})", exempt.join("; ")));
            }
            d
        } else {
            String::new()
        };
        let to = self.contact.addresses.get(channel.as_str()).map(String::as_str).unwrap_or_default();
        let key = self.program.idempotency_key(&self.contact.id, self.state.key.as_deref(), self.state.entries, node, 1);
        let deadline = add_secs(self.now, self.program.settings.delivery_deadline[channel as usize]);
        self.fx.send(OutgoingMessage {
            key,
            deadline,
            node,
            node_id: &compiled.id,
            channel,
            to,
            text,
            subject,
            template,
            buttons: &op.buttons,
        });
        self.fx.wake_at(deadline);
        self.state.status = Status::Waiting { node, since: self.now, waiting: Waiting::Delivery { attempt: 1, deadline } };
        self.fx.step(Step {
            at: self.now,
            node,
            node_id: &compiled.id,
            node_type: compiled.type_name,
            result: StepResult::Sent,
            reason: None,
            port: None,
            detail,
            missing: notes.missing,
            key: self.state.key.as_deref(),
        });
        Flow::Stop
    }
}

/// How a channel measures a message.
#[derive(Clone, Copy)]
pub(super) enum Unit {
    Chars,
    Bytes,
}

/// Renders one part of a message, bounded by its channel's `max` (in `unit`s). Returns the text
/// only for detail; without detail a template that certainly fits is not rendered at all (the
/// outcome is the same either way: the path never depends on detail). Missing paths are added
/// to `missing` when rendering for detail.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_part(
    template: &Template,
    contact: &Contact,
    event: &Map<String, Value>,
    context: &RenderContext,
    detail: bool,
    notes: &mut Notes,
    part: &'static str,
    max: usize,
    unit: Unit,
) -> Result<Option<String>, RenderError> {
    // A character takes at most 4 bytes, and at least 1: a bound in bytes on both sides.
    let (cap, unit_word) = match unit {
        Unit::Chars => (max.saturating_mul(4), "characters"),
        Unit::Bytes => (max, "bytes"),
    };
    if !detail && template.fits(contact, event, max) {
        return Ok(None);
    }
    let too_long = RenderError::TooLongForChannel { part, max, unit: unit_word };
    let rendered = match template.render_in(contact, event, context, cap) {
        Ok(rendered) => rendered,
        // The channel's own cap was the one hit.
        Err(RenderError::OutputTooLarge { max: hit }) if hit >= cap => return Err(too_long),
        Err(err) => return Err(err),
    };
    if matches!(unit, Unit::Chars) && rendered.text.chars().count() > max {
        return Err(too_long);
    }
    if !detail {
        return Ok(None);
    }
    for m in rendered.missing {
        if !notes.missing.contains(&m) {
            notes.missing.push(m);
        }
    }
    for p in rendered.problems {
        if !notes.problems.contains(&p) {
            notes.problems.push(p);
        }
    }
    Ok(Some(rendered.text))
}

/// What rendering a message's parts noticed (only with detail): paths missing, values shown as
/// written.
#[derive(Default)]
pub(super) struct Notes {
    pub(super) missing: Vec<String>,
    pub(super) problems: Vec<String>,
}

impl Notes {
    /// ` (missing: a, b) (…: shown as written)` for a step's detail.
    pub(super) fn suffix(&self) -> String {
        let mut out = String::new();
        if !self.missing.is_empty() {
            out.push_str(&format!(" (missing: {})", self.missing.join(", ")));
        }
        if !self.problems.is_empty() {
            out.push_str(&format!(" ({})", self.problems.join("; ")));
        }
        out
    }
}
