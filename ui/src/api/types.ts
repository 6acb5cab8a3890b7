/**
 * TypeScript mirror of the journey file format v1 (crates/model/src/journey.rs), the validation
 * report (crates/model/src/diagnostic.rs, validate.rs), the scenario format v1 and the simulator's
 * JSON report (issue 3). Keys are exactly as on the wire (snake_case).
 *
 * Every object type carries an index signature of `unknown` so that fields this version of the
 * editor does not know survive an open → edit → save round trip untouched.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The `format` of every v1 journey. */
export const JOURNEY_FORMAT = 'itinera/journey@1';
/** The `format` of every v1 scenario. */
export const SCENARIO_FORMAT = 'itinera/scenario@1';

/** Extra, unknown fields are kept as written. */
export interface Extra {
  [key: string]: unknown;
}

export interface Position {
  x: number;
  y: number;
}

export interface QuietHours extends Extra {
  /** `HH:MM` local time. */
  start: string;
  end: string;
}

export interface FrequencyCap extends Extra {
  max: number;
  /** Duration such as `1d`. */
  per: string;
}

/** `"never"`, `"always"` or `{"after": "30d"}`. */
export type Reentry = 'never' | 'always' | (string & {}) | { after: string };

export interface Goal extends Extra {
  event: string;
  within?: string;
}

export interface Settings extends Extra {
  quiet_hours?: QuietHours;
  frequency_cap?: FrequencyCap;
  reentry?: Reentry;
  exit_on?: string[];
  goal?: Goal;
  default_timezone?: string;
}

/** Comparison operators of format v1. */
export const OPERATORS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'exists', 'not_exists', 'within_next', 'within_last',
] as const;
export type Operator = (typeof OPERATORS)[number];

/**
 * A condition: exactly one of a comparison (`field`, `op`, `value`), `all`, `any` or `not`.
 */
export interface Condition extends Extra {
  field?: string;
  op?: Operator | string;
  value?: Json;
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
}

export type Channel = 'sms' | 'whatsapp' | 'email';
export const CHANNELS: Channel[] = ['sms', 'whatsapp', 'email'];

export interface WhatsAppTemplate extends Extra {
  name: string;
  language: string;
  params: string[];
}

export interface Button extends Extra {
  id: string;
  title: string;
}

export interface WaitUntil extends Extra {
  field: string;
  offset?: string;
}

export interface ReplySpec extends Extra {
  channel: Channel | string;
}

export interface WaitBranch extends Extra {
  port: string;
  button?: string;
  keywords?: string[];
  where?: Condition;
  any?: boolean;
}

export interface Variant extends Extra {
  port: string;
  percent: number;
}

interface NodeBase extends Extra {
  id: string;
  position?: Position;
  /** Human name shown on the canvas (optional); `id` stays the name in files and reports. */
  label?: string;
}

export interface TriggerNode extends NodeBase {
  type: 'trigger';
  event: string;
  filter?: Condition;
  /** "One flow per": an `event.` field (`event.appointment_id`); absent: one flow per contact. */
  key?: string;
}

export interface SendNode extends NodeBase {
  type: 'send';
  channel: Channel | string;
  text?: string;
  subject?: string;
  template?: WhatsAppTemplate;
  buttons?: Button[];
  /** A message the contact asked for: quiet hours and the frequency cap do not apply (consent does). */
  transactional?: boolean;
}

export interface WaitNode extends NodeBase {
  type: 'wait';
  for?: string;
  until?: WaitUntil;
  until_local_time?: string;
}

export interface WaitForNode extends NodeBase {
  type: 'wait_for';
  reply?: ReplySpec;
  event?: string;
  timeout?: string;
  branches?: WaitBranch[];
}

export interface BranchNode extends NodeBase {
  type: 'branch';
  condition?: Condition;
}

export interface SplitNode extends NodeBase {
  type: 'split';
  variants: Variant[];
}

export interface UpdateNode extends NodeBase {
  type: 'update';
  set?: Record<string, Json>;
  consent?: Record<string, boolean>;
}

export interface WebhookNode extends NodeBase {
  type: 'webhook';
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ExitNode extends NodeBase {
  type: 'exit';
}

/** The node types of format v1. */
export const NODE_TYPES = ['trigger', 'send', 'wait', 'wait_for', 'branch', 'split', 'update', 'webhook', 'exit'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

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

/** A node of a type this version does not know (kept as written; validation reports it). */
export interface UnknownNodeDoc extends NodeBase {
  type: string;
}

export type NodeDoc = KnownNodeDoc | UnknownNodeDoc;

/** An edge; `port` defaults to `next` (and is omitted on the wire when it is `next`). */
export interface EdgeDoc extends Extra {
  from: string;
  port?: string;
  to: string;
}

export const DEFAULT_PORT = 'next';

/** One journey file (`.journey.json`). */
export interface JourneyDoc extends Extra {
  format: string;
  id: string;
  name: string;
  settings?: Settings;
  nodes: NodeDoc[];
  edges: EdgeDoc[];
}

// ---- validation report ----

export type Severity = 'error' | 'warning';

export type DiagnosticCode =
  | 'parse_error'
  | 'unknown_node_type'
  | 'duplicate_node_id'
  | 'missing_trigger'
  | 'multiple_triggers'
  | 'edge_unknown_node'
  | 'edge_unknown_port'
  | 'port_multiple_edges'
  | 'cycle'
  | 'dead_end'
  | 'unreachable'
  | 'invalid_config'
  | 'whatsapp_outside_window'
  | 'unknown_variable'
  | (string & {});

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  node?: string | null;
  port?: string | null;
  nodes?: string[] | null;
  field?: string | null;
  line?: number | null;
  column?: number | null;
}

/** Facts of a valid journey (fields as the validator writes them; more may appear). */
export interface Facts extends Extra {
  /** Node count. */
  nodes?: number;
  /** Longest time a contact can spend in the journey, e.g. "9d4h", or "unbounded". */
  longest_time?: string;
  longest_seconds?: number | null;
  /** Most messages per channel one contact can receive. */
  max_messages?: Record<string, number>;
  /** Ids of the waits whose end depends on data (`wait.until`), in file order: why `longest_time` is "unbounded". */
  unbounded_waits?: string[];
}

export interface Report {
  valid: boolean;
  diagnostics: Diagnostic[];
  facts: Facts | null;
}

// ---- workspace and files ----

export interface WorkspaceInfo {
  dir: string;
  name: string;
  desktop: boolean;
}

export interface JourneyListing {
  /** Relative to the folder (may contain sub/dirs). */
  file: string;
  id?: string;
  name?: string;
  valid: boolean;
  errors?: number;
  warnings?: number;
  /** RFC 3339. */
  modified?: string;
  /** Set when the file cannot be parsed. */
  error?: string;
}

export interface TemplateListing {
  id: string;
  name: string;
  description: string;
  file: string;
  journey: JourneyDoc;
}

export interface JourneyFile {
  file: string;
  journey: JourneyDoc;
  /** A digest of the file as read: pass it as `expected` when saving it back. */
  revision: string;
}

export interface SavedFile {
  file: string;
  /** The canonical text written. */
  text: string;
  /** The file's new revision. */
  revision: string;
}

export interface TemplatePreview {
  text: string;
  /** Missing variables, e.g. `contact.first_name`. */
  missing: string[];
  /** Values a filter could not read and showed as written (a `date` given text that is not a timestamp). */
  problems?: string[];
}

/** Where an event sits in its scenario: the scenario's `start` and the event's `at` (`+2h` or RFC 3339). */
export interface EventTime {
  start: string;
  at: string;
}

/** `resolve_local_times`'s arguments. */
export interface LocalTimesQuery extends EventTime {
  data: Record<string, Json>;
  /** The contact's own zone. */
  timezone?: string;
  /** The journey's `settings.default_timezone`. */
  default_timezone?: string;
}

/** One event data field written as a local time. */
export interface FieldTime {
  field: string;
  ok: boolean;
  /** The RFC 3339 instant the simulator puts in `event.*`. */
  value?: string;
  /** `2026-03-04T09:00:00Z (Wed 4 Mar 09:00 Europe/Lisbon)`, or why it does not resolve. */
  text: string;
}

/** `resolve_local_times`'s answer. */
export interface LocalTimes {
  /** The event's instant, when its time reads. */
  at?: string;
  zone: string;
  /** The data as the simulator reads it. */
  data: Record<string, Json>;
  fields: FieldTime[];
}

// ---- scenarios (issue 3 §2) ----

export interface ScriptedEventDoc extends Extra {
  /** `+2h` relative to start, or RFC 3339. */
  at: string;
  name: string;
  data?: Record<string, Json>;
}

export interface ScriptedReplyDoc extends Extra {
  to: string;
  after: string;
  channel: Channel | string;
  button?: string;
  text?: string;
}

export interface ContactDoc extends Extra {
  id: string;
  timezone?: string;
  attributes?: Record<string, Json>;
  addresses?: Record<string, string>;
  consent?: Record<string, boolean>;
  events?: ScriptedEventDoc[];
  replies?: ScriptedReplyDoc[];
  /** Channel or node id → `delivered` | `undeliverable` | provider reason. */
  delivery?: Record<string, string>;
}

/** The generated population; its fields are defined in docs/scenario-format.md. */
export interface PopulationDoc extends Extra {
  count: number;
}

export interface ScenarioDoc extends Extra {
  format: string;
  start: string;
  run_for: string;
  seed?: number;
  contacts?: ContactDoc[];
  population?: PopulationDoc | null;
}

export interface ScenarioListing {
  file: string;
  name: string;
  journey_id?: string | null;
  scenario: ScenarioDoc;
}

export interface ScenarioFile {
  file: string;
  scenario: ScenarioDoc;
  revision: string;
}

// ---- simulation report (issue 3 §3, `itinera simulate --json`) ----

export type Outcome = 'exited' | 'goal' | 'left' | 'waiting' | 'not_entered';

export interface SimStep extends Extra {
  at: string;
  node: string;
  type: string;
  result?: string | null;
  reason?: string | null;
  port?: string | null;
  detail?: string | null;
  /** The flow's key, in a journey whose trigger has a `key`. */
  key?: string | null;
}

export interface SimMessage extends Extra {
  node: string;
  channel: string;
  at: string;
  text?: string | null;
  template?: string | Json | null;
  subject?: string | null;
  /** The flow's key, in a journey whose trigger has a `key`. */
  key?: string | null;
}

/** One flow of a contact, in a journey whose trigger has a `key`. */
export interface SimEntry extends Extra {
  key: string | null;
  outcome: Outcome;
  exit_node: string | null;
}

export interface SimContact extends Extra {
  id: string;
  outcome: Outcome;
  exit_node: string | null;
  /** Each flow (keyed journeys only); `outcome` is then the latest entry's. */
  entries?: SimEntry[];
  steps?: SimStep[];
  messages?: SimMessage[];
}

export interface SimEdgeCount {
  from: string;
  port: string;
  to: string;
  count: number;
}

export interface SimSummary extends Extra {
  contacts: number;
  entered: number;
  outcomes: Partial<Record<Outcome, number>> & Record<string, number>;
  goal_rate: number | null;
  nodes: Record<string, { entered: number; [key: string]: number }>;
  edges: SimEdgeCount[];
  messages: Record<string, number>;
}

export interface SimReport extends Extra {
  journey: string;
  contacts: SimContact[];
  summary: SimSummary;
  /** Present when chosen contacts were followed: how many were simulated (never the population). */
  simulated?: number;
}

/** How far a running simulation is (progress lines over HTTP, `simulate-progress` events in the app). */
export interface SimProgress {
  done: number;
  total: number;
  elapsed_ms: number;
}

/** The error body of a failed command (HTTP 4xx/5xx or a rejected Tauri invoke). */
export interface CommandErrorBody {
  error: string;
  diagnostics?: Diagnostic[];
}

// ---- the bundled engine and the Live view (docs/backend-api.md, issue 8 §5) ----

/** `engine_info`: the engine's database, `null` when the backend runs none. */
export interface EngineInfo {
  db: string | null;
  /** Where messages are recorded (no message provider is configured). */
  records: string | null;
  running: boolean;
}

export type VersionStatus = 'active' | 'paused' | 'archived';

/** Contacts waiting at one step of a running version (publish's change impact). */
export interface ImpactRow {
  version: number;
  node: string;
  type: string;
  waiting: number;
  /** The new version has this step (same id and type): its contacts can move to it. */
  kept: boolean;
  /** Of those, waiting for a message's or webhook's result (they never move). */
  in_flight?: number;
}

/** `publish_journey`. */
export interface PublishAnswer {
  journey: string;
  /** The version now latest (or, in a dry run, the one publishing would make). */
  version: number;
  changed: boolean;
  impact: ImpactRow[];
  migrated: number;
  dry_run?: boolean;
  /** The journey is exactly its latest version: nothing to publish. */
  unchanged: boolean;
}

/** `live_status`: one published version. */
export interface VersionReport {
  journey: string;
  version: number;
  status: VersionStatus;
  latest: boolean;
  published_at: string;
  entered: number;
  waiting: Record<string, number>;
  outcomes: Record<string, number>;
  messages: Record<string, Record<string, number>>;
}

/** `live_counts`: the canvas numbers of one version. */
export interface LiveCounts {
  journey: string;
  version: number;
  nodes: Record<string, { entered: number; waiting: number }>;
  edges: SimEdgeCount[];
}

export interface EnrollmentItem {
  contact: string;
  /** The trigger key's value (one flow per key), `null` for the keyless flow. */
  key: string | null;
  version: number;
  status: string;
  outcome: Outcome | string;
  node: string | null;
  entries: number;
  updated_at: string;
}

/** `list_enrollments`. */
export interface EnrollmentPage {
  total: number;
  enrollments: EnrollmentItem[];
}

/** `contact_timeline`: the simulation report's contact shape, from the engine's log. */
export interface LiveTimeline extends SimContact {
  version: number;
  /** Each flow, in a journey whose trigger has a `key` (as the simulation report's). */
  entries?: (SimEntry & { version: number })[];
  messages: (SimMessage & { status: string; delivered: boolean })[];
  steps: SimStep[];
  truncated?: boolean;
}

/** The test contact of `send_test_event`. */
export interface TestContact {
  id: string;
  timezone?: string;
  attributes?: Record<string, Json>;
  addresses?: Record<string, string>;
  consent?: Record<string, boolean>;
}

/** `send_test_event`. */
export interface SentEvent {
  journey: string;
  version: number;
  status: VersionStatus;
  event: string;
  contact: string;
  input: string;
}

/** `list_outbox`: a message or webhook call and what became of it. */
export interface OutboxEntry {
  key: string;
  version: number;
  contact: string;
  node: string;
  channel: string;
  status: 'pending' | 'sent' | 'failed' | string;
  attempts: number;
  last_error?: string;
  at: string;
  created_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  to?: string;
  text?: string;
  subject?: string;
  template?: Json;
  method?: string;
  url?: string;
}

/** A server the editor publishes to (`server_*` commands): its URL and, unless the app keeps one, a token. */
export interface ServerTarget {
  url: string;
  /** A token for this call; omitted: the one the app keeps for this server (desktop keyring). */
  token?: string;
  /** Keep `token` in the OS keyring for next time (desktop only). */
  remember?: boolean;
}

/** `server_tokens`: whether this front end keeps tokens (`keyring`) and which it has for a server. */
export interface ServerTokens {
  store: 'keyring' | 'none';
  publish: boolean;
  read: boolean;
}

/** Message counts of one channel (`GET /v1/journeys/{id}/stats`). */
export interface MessageCounts {
  sent: number;
  delivered: number;
  failed: number;
  read: number;
  pending: number;
}

/** One node of one version in a server's stats. */
export interface NodeStats {
  entered: number;
  waiting: number;
  results: Record<string, number>;
  messages: Record<string, MessageCounts>;
  replies: Record<string, number>;
}

/** One version in a server's stats. */
export interface VersionStats {
  version: number;
  status: VersionStatus;
  published_at: string;
  entered: number;
  waiting: number;
  outcomes: Record<string, number>;
  goal_conversion: number;
  messages: Record<string, MessageCounts>;
  nodes: Record<string, NodeStats>;
}

/** `server_stats`: a journey's numbers on a server, every version. */
export interface JourneyStats {
  journey: string;
  versions: VersionStats[];
}
