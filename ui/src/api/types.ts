/**
 * The editor's names for the wire types: the journey file format v1, the validation report, the
 * scenario format v1, the simulator's report, the workspace's files and listings, and the Live
 * view's answers. Every one of them is generated from the Rust type that goes over the wire
 * (`./generated/wire.ts`, written by `scripts/gen-types`; the lint stage fails when it is stale):
 * change the Rust type and regenerate, never this file.
 *
 * What stays written here is the editor's own looseness, each with its reason:
 * - Documents the editor opens and saves (journeys, scenarios and their parts) are the generated
 *   type `& Extra`: fields this version of the editor does not know survive an open → edit →
 *   save round trip untouched.
 * - A node of a type this version does not know (`UnknownNodeDoc`) is kept as written; the Rust
 *   side reads it as `NodeKind::Unknown`, which never goes over the wire as such.
 * - Diagnostic codes stay open to codes a newer backend may send.
 */

import type * as W from './generated/wire';

export { CHANNELS, DEFAULT_PORT, JOURNEY_FORMAT, NODE_TYPES, OPERATORS, SCENARIO_FORMAT } from './generated/wire';

/** Any JSON value. */
export type Json = W.JsonValue;

/** Extra, unknown fields are kept as written (editor only: see the top of this file). */
export interface Extra {
  [key: string]: unknown;
}

// ---- the journey document (crates/model journey.rs) ----

export type Position = W.Position;
export type QuietHours = W.QuietHours & Extra;
export type FrequencyCap = W.FrequencyCap & Extra;
/** `"never"`, `"always"` or `{"after": "30d"}`. */
export type Reentry = W.Reentry;
export type Goal = W.Goal & Extra;
export type Settings = W.Settings & Extra;

export type Operator = (typeof W.OPERATORS)[number];
/** A condition: exactly one of a comparison (`field`, `op`, `value`), `all`, `any` or `not`. */
export type Condition = W.Condition & Extra;

export type Channel = W.Channel;

export type WhatsAppTemplate = W.WhatsAppTemplate & Extra;
export type Button = W.Button & Extra;
export type WaitUntil = W.WaitUntil & Extra;
export type ReplySpec = W.ReplySpec & Extra;
export type WaitBranch = W.WaitBranch & Extra;
export type Variant = W.Variant & Extra;

/** The fields every node has: `id`, and the editor's `position` and `label`. */
type NodeBase = Pick<W.Node, 'id' | 'position' | 'label'> & Extra;
/** The node of one known type: its fields, `type` and settings as generated. */
type NodeOf<T extends NodeType> = NodeBase & Extract<W.NodeKind, { type: T }>;

export type TriggerNode = NodeOf<'trigger'>;
export type SendNode = NodeOf<'send'>;
export type WaitNode = NodeOf<'wait'>;
export type WaitForNode = NodeOf<'wait_for'>;
export type BranchNode = NodeOf<'branch'>;
export type SplitNode = NodeOf<'split'>;
export type UpdateNode = NodeOf<'update'>;
export type WebhookNode = NodeOf<'webhook'>;
export type ExitNode = NodeOf<'exit'>;

/** A node type of format v1: a tag of the generated `NodeKind`. */
export type NodeType = W.NodeKind['type'];
// Fails to compile when the generated NODE_TYPES (read from NodeKind's schema) and NodeKind's
// tags differ, either way.
type SameTypes = [NodeType] extends [(typeof W.NODE_TYPES)[number]]
  ? [(typeof W.NODE_TYPES)[number]] extends [NodeType]
    ? true
    : never
  : never;
export const NODE_TYPES_MATCH: SameTypes = true;

/** A node of a known type. */
export type KnownNodeDoc =
  | TriggerNode
  | SendNode
  | WaitNode
  | WaitForNode
  | BranchNode
  | SplitNode
  | UpdateNode
  | WebhookNode
  | ExitNode;

/** A node of a type this version does not know (kept as written; validation reports it). Editor only. */
export type UnknownNodeDoc = NodeBase & { type: string };

export type NodeDoc = KnownNodeDoc | UnknownNodeDoc;

/** An edge; `port` defaults to `next` (and is omitted on the wire when it is `next`). */
export type EdgeDoc = W.Edge & Extra;

/** One journey file (`.journey.json`): its nodes may be of unknown types and carry unknown fields. */
export type JourneyDoc = Omit<W.Journey, 'settings' | 'nodes' | 'edges'> & {
  settings?: Settings;
  nodes: NodeDoc[];
  edges: EdgeDoc[];
} & Extra;

// ---- validation report (crates/model diagnostic.rs, validate) ----

export type Severity = W.Severity;
/** A diagnostic code; open to codes a newer backend may send. */
export type DiagnosticCode = W.Code | (string & {});
export type Diagnostic = W.Diagnostic;
export type Facts = W.Facts;
export type Report = W.Report;

// ---- workspace and files (crates/service workspace.rs, listing.rs, catalog.rs, analysis.rs) ----

export type WorkspaceInfo = W.WorkspaceInfo;
export type JourneyListing = W.JourneyListing;
/** A gallery template; its journey is a document the editor opens. */
export type TemplateListing = Omit<W.JourneyTemplate, 'journey'> & { journey: JourneyDoc };
/** A journey file as read: the file's own text, so a document (unknown fields kept). */
export type JourneyFile = Omit<W.JourneyFile, 'journey'> & { journey: JourneyDoc };
export type SavedFile = W.SavedFile;
export type TemplatePreview = W.Preview;
/** Where an event sits in its scenario: the scenario's `start` and the event's `at` (`+2h` or RFC 3339). */
export type EventTime = Pick<W.ResolveLocalTimes, 'start' | 'at'>;
/** `resolve_local_times`'s arguments; the editor always sends the event's data. */
export type LocalTimesQuery = W.ResolveLocalTimes & Required<Pick<W.ResolveLocalTimes, 'data'>>;
export type FieldTime = W.FieldTime;
/** `resolve_local_times`'s answer. */
export type LocalTimes = W.LocalTimes;

// ---- scenarios (crates/sim scenario.rs, population.rs) ----

export type ScriptedEventDoc = W.ScenarioEvent & Extra;
export type ScriptedReplyDoc = W.ScenarioReply & Extra;
export type ContactDoc = Omit<W.ScenarioContact, 'events' | 'replies'> & {
  events?: ScriptedEventDoc[];
  replies?: ScriptedReplyDoc[];
} & Extra;
/**
 * The generated population; its fields are defined in docs/scenario-format.md. Its attribute
 * generators, events and replies are kept as the population form writes them, possibly half
 * filled in while it is being edited (simulate/populationEdit.ts types them).
 */
export type PopulationDoc = Omit<W.Population, 'attributes' | 'events' | 'replies'> & Extra;
export type ScenarioDoc = Omit<W.Scenario, 'contacts' | 'population'> & {
  contacts?: ContactDoc[];
  population?: PopulationDoc | null;
} & Extra;
/** A scenario as listed: the file's own document (unknown fields kept). */
export type ScenarioListing = Omit<W.ScenarioListing, 'scenario'> & { scenario: ScenarioDoc };
export type ScenarioFile = Omit<W.ScenarioFile, 'scenario'> & { scenario: ScenarioDoc };

// ---- simulation report (crates/sim report.rs, engine protocol.rs; `itinera simulate --json`) ----

export type Outcome = W.ContactOutcome;
export type SimStep = W.StepRecord;
export type SimMessage = W.MessageRecord;
/** One flow of a contact, in a journey whose trigger has a `key`. */
export type SimEntry = W.EntryReport;
export type SimContact = W.ContactReport;
export type SimEdgeCount = W.EdgeCount;
export type SimSummary = W.Summary;
/** `simulate_journey`'s answer: the report, and `simulated` when chosen contacts were followed. */
export type SimReport = W.SimReport & Partial<Pick<W.Followed, 'simulated'>>;
/** How far a running simulation is (progress lines over HTTP, `simulate-progress` events in the app). */
export type SimProgress = W.SimProgress;
/** The error body of a failed command (HTTP 4xx/5xx or a rejected Tauri invoke). */
export type CommandErrorBody = W.CommandErrorBody;

// ---- the bundled engine and the Live view (crates/service live.rs, runtime live/stats/status) ----

export type EngineInfo = W.EngineInfo;
export type VersionStatus = W.VersionStatus;
/** Contacts waiting at one step of a running version (publish's change impact). */
export type ImpactRow = W.Impact;
export type PublishAnswer = W.PublishAnswer;
export type VersionReport = W.VersionReport;
export type LiveCounts = W.LiveCounts;
export type EnrollmentItem = W.EnrollmentItem;
export type EnrollmentPage = W.EnrollmentPage;
/** `contact_timeline`: the simulation report's contact shape, from the engine's log. */
export type LiveTimeline = W.ContactTimeline;
export type TestContact = W.TestContact;
export type SentEvent = W.SentEvent;
export type OutboxEntry = W.OutboxEntry;
/** A server the editor publishes to (`server_*` commands): its URL and, unless the app keeps one, a token. */
export type ServerTarget = W.ServerArgs;
export type ServerTokens = W.ServerTokens;
export type MessageCounts = W.MessageCounts;
export type NodeStats = W.NodeStats;
export type VersionStats = W.VersionStats;
export type JourneyStats = W.JourneyStats;
