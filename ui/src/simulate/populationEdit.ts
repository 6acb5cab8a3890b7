/**
 * Pure helpers behind the generated-population form. The population's fields are those of
 * docs/scenario-format.md; every setter returns a new population and keeps fields the form does
 * not show untouched.
 */
import type { Json, JourneyDoc, PopulationDoc } from '../api/types';
import { outlineJourney, type JourneyOutline } from './scenarioEdit';

/** A `{min, max}` range (numbers or durations as text). */
export interface RangeDoc {
  min: string;
  max: string;
}

/** Address and consent rates of one channel (0..1). */
export interface ChannelRates {
  address?: number;
  consent?: number;
  [key: string]: unknown;
}

/** A generated event: when (a range relative to start), how likely, its data. */
export interface PopulationEvent {
  name: string;
  /** A time (`+2h`) or a range. */
  at?: string | { from: string; to: string };
  probability?: number;
  data?: Record<string, Json>;
  [key: string]: unknown;
}

/** A generated reply to the message of node `to`. */
export interface PopulationReply {
  to: string;
  probability?: number;
  /** A delay (`30m`) or a range. */
  after?: string | RangeDoc;
  channel?: string;
  /** Weights, or a list chosen from uniformly. */
  buttons?: Record<string, number> | string[] | string;
  texts?: Record<string, number> | string[] | string;
  [key: string]: unknown;
}

/** The population as the form edits it. */
export interface PopulationForm extends PopulationDoc {
  id_prefix?: string;
  /** Attribute generators (constants, choices, ranges), kept as written. */
  attributes?: Record<string, unknown>;
  /** Weights, or a list chosen from uniformly. */
  timezones?: Record<string, number> | string[];
  channels?: Record<string, ChannelRates>;
  events?: PopulationEvent[];
  replies?: PopulationReply[];
  /** Per channel or node id: probability of each failure reason. */
  delivery?: Record<string, Record<string, number>>;
}

/** A sensible population for a journey: 1,000 contacts entering over the first 3 days. */
export function defaultPopulation(journey: JourneyDoc): PopulationForm {
  return defaultPopulationFor(outlineJourney(journey));
}

/** `defaultPopulation` from the journey's outline. */
export function defaultPopulationFor(outline: JourneyOutline): PopulationForm {
  const channels: Record<string, ChannelRates> = {};
  for (const ch of outline.channels.length > 0 ? outline.channels : ['sms']) {
    channels[ch] = { address: 0.95, consent: 0.9 };
  }
  const events: PopulationEvent[] = outline.triggerEvents.slice(0, 1).map((name) => ({
    name,
    at: { from: '+0m', to: '+3d' },
    probability: 1,
  }));
  const replies: PopulationReply[] = outline.replyTargets
    .filter((t) => t.buttons.length > 0)
    .map((t) => ({
      to: t.node,
      probability: 0.6,
      after: { min: '5m', max: '6h' },
      channel: t.channel,
      buttons: Object.fromEntries(t.buttons.map((b, i) => [b.id, i === 0 ? 0.7 : 0.3 / Math.max(1, t.buttons.length - 1)])),
    }));
  return {
    count: 1000,
    id_prefix: 'p',
    timezones: { [outline.defaultTimezone]: 1 },
    channels,
    events,
    replies,
  };
}

/** Sets (or removes, with `undefined`) one top-level field. */
export function setPopulationField<K extends keyof PopulationForm>(
  population: PopulationForm,
  key: K,
  value: PopulationForm[K] | undefined,
): PopulationForm {
  const next = { ...population };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/** Parses a rate typed as a percentage ("90", "12.5%") into 0..1; `null` when it is not one. */
export function parsePercent(text: string): number | null {
  const t = text.trim().replace(/%$/, '').trim();
  if (t === '' || !/^\d+(\.\d+)?$/.test(t)) return null;
  const n = Number(t);
  if (n < 0 || n > 100) return null;
  return Math.round(n * 100) / 10000;
}

/** A 0..1 rate shown as a percentage ("90"). */
export function formatPercent(rate: number | undefined): string {
  if (rate === undefined || Number.isNaN(rate)) return '';
  return String(Math.round(rate * 10000) / 100);
}

/** Weights (any non-negative numbers) normalised to shares summing to 1, for display. */
export function shares(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(weights)) out[k] = total > 0 && v > 0 ? v / total : 0;
  return out;
}

/** Renames a key of a weight map, keeping its order and value. */
export function renameKey<V>(map: Record<string, V>, from: string, to: string): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(map)) out[k === from ? to : k] = v;
  return out;
}

/**
 * A choice as weights: the file may give weights (`{"a": 0.7, "b": 0.3}`), a list to choose
 * from uniformly (`["a", "b"]`, read as weight 1 each) or a single value.
 */
export function asWeights(choice: unknown): Record<string, number> {
  if (typeof choice === 'string') return { [choice]: 1 };
  if (Array.isArray(choice)) return Object.fromEntries(choice.map((k) => [String(k), 1]));
  if (choice && typeof choice === 'object') {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(choice as Record<string, unknown>)) out[k] = typeof v === 'number' ? v : Number(v) || 0;
    return out;
  }
  return {};
}

/** A delay or a delay range as a range (`"30m"` → `{min: "30m", max: "30m"}`). */
export function asDelayRange(after: unknown): RangeDoc {
  if (typeof after === 'string') return { min: after, max: after };
  if (after && typeof after === 'object') {
    const r = after as Partial<RangeDoc>;
    return { min: String(r.min ?? ''), max: String(r.max ?? '') };
  }
  return { min: '5m', max: '1h' };
}

/** A time or a time range as a range (`"+2h"` → `{from: "+2h", to: "+2h"}`). */
export function asTimeRange(at: unknown): { from: string; to: string } {
  if (typeof at === 'string') return { from: at, to: at };
  if (at && typeof at === 'object') {
    const r = at as { from?: unknown; to?: unknown };
    return { from: String(r.from ?? ''), to: String(r.to ?? '') };
  }
  return { from: '+0m', to: '+0m' };
}

/** A range written back: equal ends collapse to the single value the format also accepts. */
export function collapseRange<K extends string>(range: Record<K, string>, lo: K, hi: K): string | Record<K, string> {
  return range[lo] === range[hi] ? range[lo] : range;
}
