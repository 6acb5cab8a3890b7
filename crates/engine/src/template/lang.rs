//! The Liquid language templates are parsed with: an explicit set of tags, blocks and filters,
//! each bounded at render time.
//!
//! * **Blocks and tags.** Liquid's own `if`, `unless`, `case`, `comment`, `raw`, `assign`,
//!   `break` and `continue`; and our own `for` ([`BoundedFor`]), which never materialises a
//!   counted range, refuses a loop of more than [`Limits::max_loop_items`] items and charges
//!   every iteration to the render's [`Meter`]. Nothing else is registered (no `capture`,
//!   `cycle`, `include`, `render`, `tablerow`, `increment`, `ifchanged`).
//! * **Filters.** Liquid's standard filters, each wrapped by [`Bounded`], which refuses an input
//!   or a result larger than [`Limits::max_value_bytes`] and charges the result to the meter;
//!   `replace` and `join`, whose result can be the product of two sizes, are our own and
//!   refuse before building it; `slice` and the arithmetic filters are our own so that no
//!   number can overflow (an integer result that would overflow is computed in floating point).
//!
//! The per-render state lives in the runtime's registers ([`Meter`]); the first bound hit is
//! kept there so the caller can name it, whatever Liquid's error message says.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;

use liquid_core::model::{KStringRef, ObjectView, Value, ValueView};
use liquid_core::parser::{BlockElement, FilterArguments, ParameterReflection, TryMatchToken};
use liquid_core::runtime::{Interrupt, InterruptRegister, StackFrame};
use liquid_core::{
    BlockReflection, Error, Expression, Filter, FilterReflection, Language, ParseBlock, ParseFilter, Renderable, Result, Runtime, TagBlock,
    TagTokenIter, Template,
};
use liquid_lib::stdlib;

use super::RenderError;
use super::limits::Limits;

/// What one render has used so far, kept in the runtime's registers.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    /// The bounds (set before rendering; the defaults if not).
    pub limits: Option<Limits>,
    /// Loop iterations so far.
    pub iterations: u64,
    /// Work so far (see [`Limits::max_work`]).
    pub work: u64,
    /// The first bound hit.
    pub tripped: Option<RenderError>,
    /// Where and how dates are written (the `date` and `time_zone` filters).
    pub dates: super::dates::RenderContext,
    /// Values left as written because a filter could not read them, one sentence each.
    pub problems: Vec<String>,
}

/// Records a value a filter left as written (each sentence once).
fn problem(runtime: &dyn Runtime, sentence: String) {
    let mut meter = runtime.registers().get_mut::<Meter>();
    if !meter.problems.contains(&sentence) {
        meter.problems.push(sentence);
    }
}

fn limits(runtime: &dyn Runtime) -> Limits {
    runtime.registers().get_mut::<Meter>().limits.unwrap_or_default()
}

/// Records `error` as the bound hit (the first one wins) and returns it as Liquid's error.
fn trip(runtime: &dyn Runtime, error: RenderError) -> Error {
    let message = error.to_string();
    runtime.registers().get_mut::<Meter>().tripped.get_or_insert(error);
    Error::with_msg(message)
}

/// Charges `cost` units of work.
fn charge(runtime: &dyn Runtime, cost: u64) -> Result<()> {
    let max = {
        let mut meter = runtime.registers().get_mut::<Meter>();
        meter.work = meter.work.saturating_add(cost);
        let max = meter.limits.unwrap_or_default().max_work;
        if meter.work <= max {
            return Ok(());
        }
        max
    };
    Err(trip(runtime, RenderError::TooMuchWork { max }))
}

/// The size of a value in bytes as the bounds count it: strings by their length, other
/// scalars as 8, one more per array item or object entry (plus the key). Stops counting once
/// past `cap`, so a huge value costs no more than `cap` to measure.
pub(crate) fn value_size(value: &dyn ValueView, cap: usize) -> usize {
    let mut total = 0usize;
    let mut stack: Vec<&dyn ValueView> = vec![value];
    while let Some(v) = stack.pop() {
        if total > cap {
            break;
        }
        if let Some(array) = v.as_array() {
            for item in array.values() {
                total = total.saturating_add(1);
                stack.push(item);
                if total > cap {
                    break;
                }
            }
        } else if let Some(object) = v.as_object() {
            for (key, item) in object.iter() {
                total = total.saturating_add(1 + key.len());
                stack.push(item);
                if total > cap {
                    break;
                }
            }
        } else if let Some(scalar) = v.as_scalar() {
            total = total.saturating_add(if scalar.to_integer().is_some() || scalar.to_float().is_some() && !v.is_scalar() {
                8
            } else {
                scalar.to_kstr().len().max(1)
            });
        } else {
            total = total.saturating_add(1);
        }
    }
    total
}

fn check_size(runtime: &dyn Runtime, value: &dyn ValueView) -> Result<usize> {
    let max = limits(runtime).max_value_bytes;
    let size = value_size(value, max);
    if size > max { Err(trip(runtime, RenderError::ValueTooLarge { max })) } else { Ok(size) }
}

// Thread-local hand-over of the `for` body sizes from the scan to `BoundedFor::parse`, which
// Liquid calls in source order.
thread_local! {
    static FOR_WEIGHTS: RefCell<std::collections::VecDeque<u64>> = const { RefCell::new(std::collections::VecDeque::new()) };
    /// What the filters found wrong with their literal arguments while parsing.
    static PARSE_WARNINGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Parses `source` with `weights` (one per `for`, in source order) available to the loops; also
/// returns the warnings about literal arguments (a date pattern or zone that cannot be used).
pub(crate) fn parse(source: &str, weights: &[u64]) -> Result<(Template, Vec<String>)> {
    FOR_WEIGHTS.with(|w| *w.borrow_mut() = weights.iter().copied().collect());
    PARSE_WARNINGS.with(|w| w.borrow_mut().clear());
    let parsed = liquid_core::parser::parse(source, language());
    FOR_WEIGHTS.with(|w| w.borrow_mut().clear());
    let warnings = PARSE_WARNINGS.with(|w| std::mem::take(&mut *w.borrow_mut()));
    parsed.map(|p| (Template::new(p), warnings))
}

fn parse_warning(sentence: String) {
    PARSE_WARNINGS.with(|w| {
        let mut w = w.borrow_mut();
        if !w.contains(&sentence) {
            w.push(sentence);
        }
    });
}

/// The language, built once.
fn language() -> &'static Language {
    static LANGUAGE: std::sync::OnceLock<Language> = std::sync::OnceLock::new();
    LANGUAGE.get_or_init(|| {
        let mut lang = Language::empty();
        lang.tags.register("assign".into(), stdlib::AssignTag.into());
        lang.tags.register("break".into(), stdlib::BreakTag.into());
        lang.tags.register("continue".into(), stdlib::ContinueTag.into());
        lang.blocks.register("if".into(), stdlib::IfBlock.into());
        lang.blocks.register("unless".into(), stdlib::UnlessBlock.into());
        lang.blocks.register("case".into(), stdlib::CaseBlock.into());
        lang.blocks.register("comment".into(), stdlib::CommentBlock.into());
        lang.blocks.register("raw".into(), stdlib::RawBlock.into());
        lang.blocks.register("for".into(), BoundedFor.into());
        let wrapped: Vec<Box<dyn ParseFilter>> = vec![
            stdlib::Append.into(),
            stdlib::AtLeast.into(),
            stdlib::AtMost.into(),
            stdlib::Capitalize.into(),
            stdlib::Ceil.into(),
            stdlib::Compact.into(),
            stdlib::Concat.into(),
            stdlib::Default.into(),
            stdlib::Downcase.into(),
            stdlib::Escape.into(),
            stdlib::EscapeOnce.into(),
            stdlib::First.into(),
            stdlib::Floor.into(),
            stdlib::Last.into(),
            stdlib::Lstrip.into(),
            stdlib::Map.into(),
            stdlib::NewlineToBr.into(),
            stdlib::Prepend.into(),
            stdlib::Remove.into(),
            stdlib::RemoveFirst.into(),
            stdlib::ReplaceFirst.into(),
            stdlib::Reverse.into(),
            stdlib::Round.into(),
            stdlib::Rstrip.into(),
            stdlib::Size.into(),
            stdlib::Sort.into(),
            stdlib::SortNatural.into(),
            stdlib::Split.into(),
            stdlib::Strip.into(),
            stdlib::StripHtml.into(),
            stdlib::StripNewlines.into(),
            stdlib::Truncate.into(),
            stdlib::TruncateWords.into(),
            stdlib::Uniq.into(),
            stdlib::Upcase.into(),
            stdlib::UrlDecode.into(),
            stdlib::UrlEncode.into(),
            stdlib::Where.into(),
        ];
        for filter in wrapped {
            let name = filter.reflection().name().to_string();
            lang.filters.register(name, Box::new(Bounded(filter)));
        }
        for (name, op, min, max) in [
            ("replace", Op::Replace, 1, 2),
            ("join", Op::Join, 0, 1),
            ("slice", Op::Slice, 1, 2),
            ("plus", Op::Plus, 1, 1),
            ("minus", Op::Minus, 1, 1),
            ("times", Op::Times, 1, 1),
            ("divided_by", Op::DividedBy, 1, 1),
            ("modulo", Op::Modulo, 1, 1),
            ("abs", Op::Abs, 0, 0),
            ("date", Op::Date, 1, 1),
            ("time_zone", Op::TimeZone, 1, 1),
        ] {
            lang.filters.register(name.into(), Box::new(Bounded(Box::new(Own { name, op, min, max }))));
        }
        lang
    })
}

// ---- filters ----

/// A filter whose input and result are bounded and whose result is charged as work.
#[derive(Clone)]
struct Bounded(Box<dyn ParseFilter>);

impl ParseFilter for Bounded {
    fn parse(&self, arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        Ok(Box::new(BoundedFilter(self.0.parse(arguments)?)))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct BoundedFilter(Box<dyn Filter>);

impl fmt::Display for BoundedFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Filter for BoundedFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        check_size(runtime, input)?;
        let result = self.0.evaluate(input, runtime)?;
        let size = check_size(runtime, &result)?;
        charge(runtime, 16 + size as u64)?;
        Ok(result)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Replace,
    Join,
    Slice,
    Plus,
    Minus,
    Times,
    DividedBy,
    Modulo,
    Abs,
    Date,
    TimeZone,
}

/// Our own filters, with positional arguments only.
#[derive(Debug, Clone)]
struct Own {
    name: &'static str,
    op: Op,
    min: usize,
    max: usize,
}

impl FilterReflection for Own {
    fn name(&self) -> &str {
        self.name
    }

    fn description(&self) -> &'static str {
        ""
    }

    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }

    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for Own {
    fn parse(&self, arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        let FilterArguments { positional, mut keyword } = arguments;
        if let Some((key, _)) = keyword.next() {
            return Err(Error::with_msg(format!("the filter `{}` takes no argument named `{key}`", self.name)));
        }
        let args: Vec<Expression> = positional.take(self.max + 1).collect();
        if args.len() < self.min || args.len() > self.max {
            let expected = if self.min == self.max { format!("{}", self.min) } else { format!("{} to {}", self.min, self.max) };
            return Err(Error::with_msg(format!("the filter `{}` takes {expected} argument(s), not {}", self.name, args.len())));
        }
        // A literal pattern or zone is checked now, so validation can name it.
        if let Some(Expression::Literal(value)) = args.first() {
            let text = value.to_kstr();
            let checked = match self.op {
                Op::Date => super::dates::check_pattern(&text),
                Op::TimeZone => super::dates::check_zone(&text).map(|_| ()),
                _ => Ok(()),
            };
            if let Err(why) = checked {
                parse_warning(format!("`{}`: {why}", self.name));
            }
        }
        Ok(Box::new(OwnFilter { name: self.name, op: self.op, args }))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct OwnFilter {
    name: &'static str,
    op: Op,
    args: Vec<Expression>,
}

impl fmt::Display for OwnFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(ToString::to_string).collect();
        if args.is_empty() { write!(f, "{}", self.name) } else { write!(f, "{}: {}", self.name, args.join(", ")) }
    }
}

fn number_expected(what: &str) -> Error {
    Error::with_msg(format!("a number was expected as the {what}"))
}

impl OwnFilter {
    fn arg<'r>(&'r self, index: usize, runtime: &'r dyn Runtime) -> Result<Option<liquid_core::ValueCow<'r>>> {
        self.args.get(index).map(|a| a.evaluate(runtime)).transpose()
    }

    fn integer_arg(&self, index: usize, runtime: &dyn Runtime, what: &str) -> Result<Option<i64>> {
        match self.arg(index, runtime)? {
            None => Ok(None),
            Some(v) => v.as_scalar().and_then(|s| s.to_integer()).map(Some).ok_or_else(|| number_expected(what)),
        }
    }

    fn arithmetic(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let input = input.as_scalar().ok_or_else(|| number_expected("input"))?;
        if self.op == Op::Abs {
            return match (input.to_integer(), input.to_float()) {
                (Some(i), _) => Ok(i.checked_abs().map_or_else(|| Value::scalar((i as f64).abs()), Value::scalar)),
                (None, Some(f)) => Ok(Value::scalar(f.abs())),
                _ => Err(number_expected("input")),
            };
        }
        let operand = self.arg(0, runtime)?.ok_or_else(|| number_expected("operand"))?;
        let operand = operand.as_scalar().ok_or_else(|| number_expected("operand"))?;
        let divides = matches!(self.op, Op::DividedBy | Op::Modulo);
        if divides && (operand.to_integer() == Some(0) || operand.to_integer().is_none() && operand.to_float() == Some(0.0)) {
            return Err(Error::with_msg(format!("`{}` by zero", self.name)));
        }
        if let (Some(i), Some(o)) = (input.to_integer(), operand.to_integer()) {
            let exact = match self.op {
                Op::Plus => i.checked_add(o),
                Op::Minus => i.checked_sub(o),
                Op::Times => i.checked_mul(o),
                Op::DividedBy => i.checked_div(o),
                _ => i.checked_rem(o),
            };
            if let Some(exact) = exact {
                return Ok(Value::scalar(exact));
            }
        }
        let (i, o) = match (input.to_float(), operand.to_float()) {
            (Some(i), Some(o)) => (i, o),
            (None, _) => return Err(number_expected("input")),
            (_, None) => return Err(number_expected("operand")),
        };
        Ok(Value::scalar(match self.op {
            Op::Plus => i + o,
            Op::Minus => i - o,
            Op::Times => i * o,
            Op::DividedBy => i / o,
            _ => i % o,
        }))
    }
}

impl Filter for OwnFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let max = limits(runtime).max_value_bytes;
        let too_large = |runtime: &dyn Runtime| Err(trip(runtime, RenderError::ValueTooLarge { max }));
        match self.op {
            Op::Replace => {
                let text = input.to_kstr();
                let search = self.arg(0, runtime)?.map(|v| v.to_kstr().into_owned()).unwrap_or_default();
                let with = self.arg(1, runtime)?.map(|v| v.to_kstr().into_owned()).unwrap_or_default();
                let count = if search.is_empty() { text.chars().count() + 1 } else { text.matches(search.as_str()).count() };
                let size = (text.len() as u128) - (count as u128) * (search.len() as u128) + (count as u128) * (with.len() as u128);
                if size > max as u128 {
                    return too_large(runtime);
                }
                Ok(Value::scalar(text.replace(search.as_str(), with.as_str())))
            }
            Op::Join => {
                let glue = self.arg(0, runtime)?.map_or_else(|| " ".into(), |v| v.to_kstr().into_owned());
                let items = input.as_array().ok_or_else(|| Error::with_msg("`join` expects an array"))?;
                let parts: Vec<_> = items.values().map(|v| v.to_kstr()).collect();
                let size: u128 =
                    parts.iter().map(|p| p.len() as u128).sum::<u128>() + (parts.len().saturating_sub(1) as u128) * (glue.len() as u128);
                if size > max as u128 {
                    return too_large(runtime);
                }
                Ok(Value::scalar(parts.iter().map(liquid_core::model::KStringCow::as_str).collect::<Vec<_>>().join(glue.as_str())))
            }
            Op::Slice => {
                let offset = self.integer_arg(0, runtime, "offset")?.unwrap_or(0);
                let length = self.integer_arg(1, runtime, "length")?.unwrap_or(1);
                if length < 1 {
                    return Err(Error::with_msg("`slice` needs a positive length"));
                }
                let window = |len: usize| -> (usize, usize) {
                    let len = len as i128;
                    let mut start = i128::from(offset).min(len);
                    if start < 0 {
                        start += len;
                    }
                    if start < 0 {
                        return (0, 0);
                    }
                    let take = i128::from(length).min(len - start);
                    (start as usize, take.max(0) as usize)
                };
                if let Some(items) = input.as_array() {
                    let (skip, take) = window(items.size().max(0) as usize);
                    Ok(Value::array(items.values().skip(skip).take(take).map(ValueView::to_value)))
                } else {
                    let text = input.to_kstr();
                    let (skip, take) = window(text.chars().count());
                    Ok(Value::scalar(text.chars().skip(skip).take(take).collect::<String>()))
                }
            }
            Op::Date | Op::TimeZone => self.dates(input, runtime),
            _ => self.arithmetic(input, runtime),
        }
    }
}

impl OwnFilter {
    /// `date` and `time_zone` (see `dates.rs`): a value they cannot read, or a pattern or zone
    /// they cannot use, leaves the input as written and is reported as a problem.
    fn dates(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        // Missing (already reported as such): renders empty.
        if input.is_nil() || input.as_scalar().is_some_and(|s| s.to_kstr().trim().is_empty()) {
            return Ok(Value::Nil);
        }
        let context = runtime.registers().get_mut::<Meter>().dates.clone();
        let argument = self.arg(0, runtime)?.and_then(|v| if v.is_nil() { None } else { Some(v.to_kstr().into_owned()) });
        let outcome = (|| -> std::result::Result<String, String> {
            let argument =
                argument.ok_or_else(|| format!("`{}` was given no {}", self.name, if self.op == Op::Date { "pattern" } else { "zone" }))?;
            // A whole number is seconds since 1970; anything else is read as text.
            let at = match input.as_scalar().and_then(|s| s.to_integer()) {
                Some(seconds) => super::dates::from_seconds(seconds, &context.zone)?,
                None => super::dates::read(&input.to_kstr(), &context.zone, context.now)?,
            };
            match self.op {
                Op::TimeZone => Ok(at.with_time_zone(super::dates::check_zone(&argument)?).to_string()),
                _ => super::dates::format(&at, &argument, context.locale),
            }
        })();
        match outcome {
            Ok(text) => Ok(Value::scalar(text)),
            Err(why) => {
                problem(runtime, format!("{why}: shown as written"));
                Ok(input.to_value())
            }
        }
    }
}

// ---- for ----

/// `{% for x in array|(a..b) limit: n offset: n reversed %}…{% else %}…{% endfor %}`, bounded.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BoundedFor;

impl BlockReflection for BoundedFor {
    fn start_tag(&self) -> &'static str {
        "for"
    }

    fn end_tag(&self) -> &'static str {
        "endfor"
    }

    fn description(&self) -> &'static str {
        ""
    }
}

fn parse_attr(arguments: &mut TagTokenIter<'_>) -> Result<Expression> {
    arguments.expect_next("\":\" expected.")?.expect_str(":").into_result_custom_msg("\":\" expected.")?;
    arguments.expect_next("Value expected.")?.expect_value().into_result()
}

impl ParseBlock for BoundedFor {
    fn parse(&self, mut arguments: TagTokenIter<'_>, mut tokens: TagBlock<'_, '_>, options: &Language) -> Result<Box<dyn Renderable>> {
        // Taken first, so the loops of this template get their sizes in source order.
        let weight = FOR_WEIGHTS.with(|w| w.borrow_mut().pop_front()).unwrap_or(super::limits::MAX_SOURCE_BYTES as u64);
        let var_name = arguments.expect_next("Identifier expected.")?.expect_identifier().into_result()?.to_string();
        arguments.expect_next("\"in\" expected.")?.expect_str("in").into_result_custom_msg("\"in\" expected.")?;
        let range = arguments.expect_next("Array or range expected.")?;
        let range = match range.expect_value() {
            TryMatchToken::Matches(array) => Items::Array(array),
            TryMatchToken::Fails(range) => match range.expect_range() {
                TryMatchToken::Matches((start, stop)) => Items::Counted(start, stop),
                TryMatchToken::Fails(range) => return range.raise_error().into_err(),
            },
        };
        let (mut limit, mut offset, mut reversed) = (None, None, false);
        while let Some(token) = arguments.next() {
            match token.as_str() {
                "limit" => limit = Some(parse_attr(&mut arguments)?),
                "offset" => offset = Some(parse_attr(&mut arguments)?),
                "reversed" => reversed = true,
                _ => {
                    return token.raise_custom_error("\"limit\", \"offset\" or \"reversed\" expected.").into_err();
                }
            }
        }
        arguments.expect_nothing()?;
        let mut body = Vec::new();
        let mut otherwise = None;
        while let Some(element) = tokens.next()? {
            match element {
                BlockElement::Tag(mut tag) if tag.name() == "else" => {
                    tag.tokens().expect_nothing()?;
                    otherwise = Some(Template::new(tokens.parse_all(options)?));
                    break;
                }
                BlockElement::Tag(tag) => body.push(tag.parse(&mut tokens, options)?),
                element => body.push(element.parse(&mut tokens, options)?),
            }
        }
        tokens.assert_empty();
        Ok(Box::new(For { var_name, items: range, body: Template::new(body), otherwise, limit, offset, reversed, weight }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

/// `forloop.*`, borrowing the enclosing loop's as `parentloop`.
#[derive(Debug, Clone, ValueView, ObjectView)]
struct Forloop<'p> {
    length: i64,
    parentloop: Option<&'p dyn ValueView>,
    index0: i64,
    index: i64,
    rindex0: i64,
    rindex: i64,
    first: bool,
    last: bool,
}

#[derive(Debug)]
enum Items {
    Array(Expression),
    Counted(Expression, Expression),
}

#[derive(Debug)]
struct For {
    var_name: String,
    items: Items,
    body: Template,
    otherwise: Option<Template>,
    limit: Option<Expression>,
    offset: Option<Expression>,
    reversed: bool,
    weight: u64,
}

fn whole_number(expr: &Expression, runtime: &dyn Runtime, what: &str) -> Result<i64> {
    let value = expr.evaluate(runtime)?;
    value
        .as_scalar()
        .and_then(|s| s.to_integer())
        .ok_or_else(|| Error::with_msg(format!("the loop's {what} must be a whole number, not `{}`", value.to_kstr())))
}

impl Renderable for For {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let limits = limits(runtime);
        let offset = match &self.offset {
            Some(e) => whole_number(e, runtime, "offset")?.max(0) as u128,
            None => 0,
        };
        let limit = match &self.limit {
            Some(e) => Some(whole_number(e, runtime, "limit")?.max(0) as u128),
            None => None,
        };
        // The items: a counted range stays two numbers; an array is borrowed, never copied.
        let array_value;
        let mut pairs: Vec<Value> = Vec::new();
        let (first, count, array): (i128, u128, Option<&dyn liquid_core::model::ArrayView>) = match &self.items {
            Items::Counted(start, stop) => {
                let (start, stop) = (whole_number(start, runtime, "start")?, whole_number(stop, runtime, "end")?);
                let len = if stop < start { 0 } else { (i128::from(stop) - i128::from(start) + 1) as u128 };
                (i128::from(start), len, None)
            }
            Items::Array(expr) => {
                array_value = expr.evaluate(runtime)?;
                let view = array_value.as_view();
                if let Some(items) = view.as_array() {
                    (0, items.size().max(0) as u128, Some(items))
                } else if let Some(object) = view.as_object() {
                    // Liquid iterates an object as [key, value] pairs.
                    let size = object.size().max(0) as u128;
                    let wanted = size.saturating_sub(offset).min(limit.unwrap_or(u128::MAX));
                    if wanted > u128::from(limits.max_loop_items) {
                        return Err(trip(runtime, RenderError::LoopTooLong { items: wanted, max: limits.max_loop_items }));
                    }
                    // In key order: an object from a filter is Liquid's hash map, whose order
                    // differs from one map to the next.
                    let mut sorted: Vec<_> = object.iter().collect();
                    sorted.sort_by(|a, b| a.0.cmp(&b.0));
                    pairs = sorted
                        .into_iter()
                        .skip(offset.min(size) as usize)
                        .take(wanted as usize)
                        .map(|(k, v)| Value::Array(vec![Value::scalar(k.into_owned()), v.to_value()]))
                        .collect();
                    (0, size, None)
                } else if view.is_nil() || view.is_state() {
                    (0, 0, None)
                } else {
                    return Err(Error::with_msg(format!("a loop needs an array or a range, not {}", view.type_name())));
                }
            }
        };
        let available = count.saturating_sub(offset);
        let len = limit.map_or(available, |l| l.min(available));
        if len > u128::from(limits.max_loop_items) {
            return Err(trip(runtime, RenderError::LoopTooLong { items: len, max: limits.max_loop_items }));
        }
        let len = len as usize;
        let offset = offset.min(count) as usize;
        if len == 0 {
            if let Some(otherwise) = &self.otherwise {
                otherwise.render_to(writer, runtime)?;
            }
            return Ok(());
        }
        let parentloop = runtime.try_get(&[liquid_core::model::Scalar::new("forloop")]);
        for step in 0..len {
            {
                let mut meter = runtime.registers().get_mut::<Meter>();
                meter.iterations += 1;
                if meter.iterations > limits.max_iterations {
                    drop(meter);
                    return Err(trip(runtime, RenderError::TooManyIterations { max: limits.max_iterations }));
                }
            }
            charge(runtime, self.weight)?;
            let index = if self.reversed { len - 1 - step } else { step };
            let counted;
            let item: &dyn ValueView = match (&self.items, array) {
                (Items::Counted(..), _) => {
                    // In range: first + index ≤ stop, an i64.
                    counted = Value::scalar((first + (offset + index) as i128) as i64);
                    &counted
                }
                (Items::Array(_), Some(items)) => match items.get((offset + index) as i64) {
                    Some(item) => item,
                    None => &Value::Nil,
                },
                (Items::Array(_), None) => match pairs.get(index) {
                    Some(pair) => pair,
                    None => &Value::Nil,
                },
            };
            let (i, n) = (step as i64, len as i64);
            let forloop = Forloop {
                length: n,
                parentloop: parentloop.as_ref().map(liquid_core::ValueCow::as_view),
                index0: i,
                index: i + 1,
                rindex0: n - i - 1,
                rindex: n - i,
                first: i == 0,
                last: i == n - 1,
            };
            let mut root = std::collections::HashMap::<KStringRef<'_>, &dyn ValueView>::new();
            root.insert("forloop".into(), &forloop);
            root.insert(self.var_name.as_str().into(), item);
            let scope = StackFrame::new(runtime, &root);
            self.body.render_to(writer, &scope)?;
            if let Some(Interrupt::Break) = scope.registers().get_mut::<InterruptRegister>().reset() {
                break;
            }
        }
        Ok(())
    }
}
