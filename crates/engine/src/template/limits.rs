//! The bounds every template lives within, and the size of a message on each channel.
//!
//! Two kinds of bound. Those on the *source* (its size, nesting depth, the tags allowed) are
//! checked when a template is compiled, so validation reports them and Liquid's recursive parser
//! never sees deep input. Those on the *render* (loop lengths, iterations, work, the size of any
//! value a filter builds, the size of the output) are checked while rendering, so no contact data
//! can make a render allocate without limit or run for long: a render that hits one stops with a
//! [`RenderError`](super::RenderError) naming it.
//!
//! The defaults are generous for messages people write (a long HTML email included) and small
//! enough that the worst template costs a few milliseconds and a few megabytes.

/// Largest template source, in bytes (256 KiB: room for a long HTML email).
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;
/// Deepest nesting of blocks (`if`, `unless`, `case`, `for`, `comment`, `raw`) and of `[...]`
/// indexing inside one tag or output.
pub const MAX_NESTING: usize = 16;
/// Most `and` / `or` in one condition.
pub const MAX_CONDITION_TERMS: usize = 32;
/// Most items one loop may run over (after `offset:` and `limit:`).
pub const MAX_LOOP_ITEMS: u64 = 1_000;
/// Most loop iterations in one render, all loops together.
pub const MAX_ITERATIONS: u64 = 10_000;
/// Most work in one render: each loop iteration costs the size in bytes of the loop's body, each
/// filter call 16 plus the size of the value it returns (4 MiB: far beyond any real message).
pub const MAX_WORK: u64 = 4 * 1024 * 1024;
/// Largest value a filter may receive or build, in bytes (64 KiB).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Largest rendered output, in bytes (1 MiB, the largest message a channel takes).
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// Longest SMS text, in characters (ten concatenated segments).
pub const SMS_TEXT_MAX_CHARS: usize = 1_600;
/// Longest WhatsApp free-form text, in characters (WhatsApp's own limit).
pub const WHATSAPP_TEXT_MAX_CHARS: usize = 4_096;
/// Longest email subject, in characters (RFC 5322's line limit).
pub const EMAIL_SUBJECT_MAX_CHARS: usize = 998;
/// Largest email body, in bytes (1 MiB).
pub const EMAIL_BODY_MAX_BYTES: usize = 1024 * 1024;

/// The bounds of one template. [`Limits::DEFAULT`] is what journeys and previews use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest source, in bytes.
    pub max_source_bytes: usize,
    /// Deepest block nesting (and `[...]` nesting in one tag).
    pub max_nesting: usize,
    /// Most `and` / `or` in one condition.
    pub max_condition_terms: usize,
    /// Most items in one loop.
    pub max_loop_items: u64,
    /// Most loop iterations per render.
    pub max_iterations: u64,
    /// Most work per render (see [`MAX_WORK`]).
    pub max_work: u64,
    /// Largest value a filter may receive or build, in bytes.
    pub max_value_bytes: usize,
    /// Largest output, in bytes.
    pub max_output_bytes: usize,
}

impl Limits {
    /// The documented defaults (the `MAX_*` constants of this module).
    pub const DEFAULT: Limits = Limits {
        max_source_bytes: MAX_SOURCE_BYTES,
        max_nesting: MAX_NESTING,
        max_condition_terms: MAX_CONDITION_TERMS,
        max_loop_items: MAX_LOOP_ITEMS,
        max_iterations: MAX_ITERATIONS,
        max_work: MAX_WORK,
        max_value_bytes: MAX_VALUE_BYTES,
        max_output_bytes: MAX_OUTPUT_BYTES,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
