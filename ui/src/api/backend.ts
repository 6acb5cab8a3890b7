/**
 * The one interface between the editor and the backend (crates/service), with two transports:
 * Tauri IPC (`invoke`) inside the desktop app, HTTP (`POST /api/<command>`) in a plain browser.
 * Commands, argument and result keys are exactly those of the API contract (snake_case).
 *
 * The UI never re-implements validation, simulation or Liquid: it asks the backend through
 * the typed functions below.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  EventTime,
  LocalTimes,
  LocalTimesQuery,
  CommandErrorBody,
  Diagnostic,
  EngineInfo,
  EnrollmentPage,
  LiveCounts,
  LiveTimeline,
  OutboxEntry,
  PublishAnswer,
  SentEvent,
  TestContact,
  VersionReport,
  VersionStatus,
  JourneyDoc,
  JourneyFile,
  JourneyStats,
  ServerTarget,
  ServerTokens,
  JourneyListing,
  Report,
  SavedFile,
  ScenarioDoc,
  ScenarioFile,
  ScenarioListing,
  SimProgress,
  SimReport,
  TemplateListing,
  TemplatePreview,
  WorkspaceInfo,
} from './types';

/** A command failed: the backend's message, the HTTP status (0 over IPC) and any diagnostics. */
export class BackendError extends Error {
  readonly command: string;
  readonly status: number;
  readonly diagnostics?: Diagnostic[];

  constructor(command: string, message: string, status = 0, diagnostics?: Diagnostic[]) {
    super(message);
    this.name = 'BackendError';
    this.command = command;
    this.status = status;
    this.diagnostics = diagnostics;
  }
}

/** True inside the Tauri desktop shell. */
export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** Optional extras of a long command: hear its progress, stop it. */
export interface CallOptions {
  /** Called as the work advances (simulate_journey: contacts done). */
  onProgress?: (progress: SimProgress) => void;
  /** Aborting stops the work in the backend and rejects the call with `Cancelled`. */
  signal?: AbortSignal;
}

/** A call stopped through its `signal`. */
export class Cancelled extends Error {
  readonly command: string;

  constructor(command: string) {
    super(`${command} was cancelled`);
    this.name = 'Cancelled';
    this.command = command;
  }
}

/** A transport runs one command; swappable for tests (see `setTransport`). */
export type Transport = (command: string, args: Record<string, unknown>, options?: CallOptions) => Promise<unknown>;

/** HTTP status of a save refused because the file changed since it was read. */
export const CONFLICT = 409;

/**
 * The per-process secret `itinera serve` puts in the page it serves
 * (`<meta name="itinera-api-token">`); every API call carries it, so that no other page can
 * call the API (docs/security.md).
 */
export function apiToken(): string {
  if (typeof document === 'undefined') return '';
  return document.querySelector<HTMLMetaElement>('meta[name="itinera-api-token"]')?.content ?? '';
}

/**
 * `simulate_journey` over HTTP with progress: `POST /api/simulate_journey_stream` answers NDJSON
 * lines (`{"progress"}`..., then `{"report"}` or `{"error", "status"}`); aborting the fetch closes
 * the connection, which cancels the run in the server.
 */
async function httpSimulateStream(args: Record<string, unknown>, options: CallOptions): Promise<unknown> {
  const command = 'simulate_journey';
  let response: Response;
  try {
    response = await fetch('/api/simulate_journey_stream', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Itinera-Token': apiToken() },
      body: JSON.stringify(args),
      signal: options.signal,
    });
  } catch (e) {
    if (options.signal?.aborted) throw new Cancelled(command);
    throw new BackendError(command, `cannot reach the backend: ${String(e)}`);
  }
  if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('ndjson')) {
    const text = await response.text();
    let body: Partial<CommandErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<CommandErrorBody>;
    } catch {
      throw new BackendError(command, text || `${command} failed (HTTP ${response.status})`, response.status);
    }
    throw new BackendError(command, body.error ?? `${command} failed (HTTP ${response.status})`, response.status, body.diagnostics);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line.trim() === '') continue;
        const parsed = JSON.parse(line) as { progress?: SimProgress; report?: unknown; error?: CommandErrorBody; status?: number };
        if (parsed.progress) options.onProgress?.(parsed.progress);
        else if (parsed.error) throw new BackendError(command, parsed.error.error, parsed.status ?? 500, parsed.error.diagnostics);
        else if ('report' in parsed) return parsed.report;
      }
      if (done) break;
    }
  } catch (e) {
    if (options.signal?.aborted) throw new Cancelled(command);
    throw e;
  }
  throw new BackendError(command, 'the backend closed the simulation before its report');
}

const httpTransport: Transport = async (command, args, options) => {
  if (command === 'simulate_journey' && options && (options.onProgress || options.signal)) return httpSimulateStream(args, options);
  let response: Response;
  try {
    response = await fetch('/api/' + command, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Itinera-Token': apiToken() },
      body: JSON.stringify(args),
    });
  } catch (e) {
    throw new BackendError(command, `cannot reach the backend: ${String(e)}`);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      if (!response.ok) throw new BackendError(command, text, response.status);
      throw new BackendError(command, `the backend answered ${command} with non-JSON text`, response.status);
    }
  }
  if (!response.ok) {
    const err = (body ?? {}) as Partial<CommandErrorBody>;
    throw new BackendError(command, err.error ?? `${command} failed (HTTP ${response.status})`, response.status, err.diagnostics);
  }
  return body;
};

let runCounter = 0;

/** `simulate_journey` in the app: `simulate-progress` events for this run, `cancel_simulation` on abort. */
async function tauriSimulate(args: Record<string, unknown>, options: CallOptions): Promise<unknown> {
  const runId = `run-${Date.now()}-${++runCounter}`;
  const unlisten = await listen<SimProgress & { run?: string | null }>('simulate-progress', (event) => {
    if (event.payload.run === runId) options.onProgress?.(event.payload);
  });
  const abort = () => void invoke('cancel_simulation', { run_id: runId }).catch(() => {});
  options.signal?.addEventListener('abort', abort);
  try {
    return await invoke('simulate_journey', { ...args, run_id: runId });
  } finally {
    options.signal?.removeEventListener('abort', abort);
    unlisten();
  }
}

const tauriTransport: Transport = async (command, args, options) => {
  try {
    if (command === 'simulate_journey' && options && (options.onProgress || options.signal)) return await tauriSimulate(args, options);
    return await invoke(command, args);
  } catch (e) {
    if (options?.signal?.aborted) throw new Cancelled(command);
    if (typeof e === 'string') throw new BackendError(command, e);
    if (e && typeof e === 'object' && 'error' in e) {
      const err = e as CommandErrorBody;
      throw new BackendError(command, String(err.error), 0, err.diagnostics);
    }
    throw new BackendError(command, String(e));
  }
};

let override: Transport | null = null;

/** Replace the transport (Vitest fakes); `null` restores the automatic choice. */
export function setTransport(transport: Transport | null): void {
  override = transport;
}

/**
 * Runs one backend command with its arguments object. With `options.signal`, aborting rejects
 * the call with `Cancelled` at once (and the transport stops the work in the backend).
 */
export function call<T>(command: string, args: Record<string, unknown> = {}, options?: CallOptions): Promise<T> {
  const transport = override ?? (isTauri() ? tauriTransport : httpTransport);
  const work = transport(command, args, options) as Promise<T>;
  const signal = options?.signal;
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Cancelled(command));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled(command));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new Cancelled(command) : error);
      },
    );
  });
}

export const workspaceInfo = () => call<WorkspaceInfo>('workspace_info');
export const openFolder = (dir: string) => call<WorkspaceInfo>('open_folder', { dir });
export const listJourneys = () => call<JourneyListing[]>('list_journeys');
export const listTemplates = () => call<TemplateListing[]>('list_templates');
export const readJourney = (file: string) => call<JourneyFile>('read_journey', { file });
/**
 * `expected`: the revision the editor read or last saved; the backend refuses the save with a
 * 409 (`CONFLICT`) when the file changed since (another window, another program).
 */
export const saveJourney = (file: string, journey: JourneyDoc, expected?: string) =>
  call<SavedFile>('save_journey', expected === undefined ? { file, journey } : { file, journey, expected });
/** With `scenario`, also an `unknown_variable` warning per variable no contact of it has. */
export const validateJourney = (journey: JourneyDoc, scenario?: ScenarioDoc | null) =>
  call<Report>('validate_journey', scenario ? { journey, scenario } : { journey });
/** `contacts`: `'all'` keeps every contact's steps; a list of ids keeps those contacts' steps. */
export const simulateJourney = (journey: JourneyDoc, scenario: ScenarioDoc, contacts?: 'all' | string[], options?: CallOptions) =>
  call<SimReport>('simulate_journey', contacts ? { journey, scenario, contacts } : { journey, scenario }, options);
export const listScenarios = () => call<ScenarioListing[]>('list_scenarios');
export const readScenario = (file: string) => call<ScenarioFile>('read_scenario', { file });
export const saveScenario = (file: string, scenario: ScenarioDoc, expected?: string) =>
  call<SavedFile>('save_scenario', expected === undefined ? { file, scenario } : { file, scenario, expected });
/**
 * `contact.timezone` is the sample contact's zone; `defaultTimezone` the journey's `settings.default_timezone`;
 * `eventTime` places the event in its scenario, so that local times in its data ("in 2 days at 09:00 local")
 * read as the simulator reads them.
 */
export const previewTemplate = (
  template: string,
  contact: Record<string, unknown>,
  event: Record<string, unknown>,
  defaultTimezone?: string,
  eventTime?: EventTime,
) => {
  const args: Record<string, unknown> = { template, contact, event };
  if (defaultTimezone) args.default_timezone = defaultTimezone;
  if (eventTime) Object.assign(args, { start: eventTime.start, event_at: eventTime.at });
  return call<TemplatePreview>('preview_template', args);
};
/** An event's data as the simulator reads it for a contact: its local times resolved (docs/backend-api.md). */
export const resolveLocalTimes = (query: LocalTimesQuery) => call<LocalTimes>('resolve_local_times', { ...query });

// ---- the bundled engine (the Live view) ----

export const engineInfo = () => call<EngineInfo>('engine_info');
/** `dry_run`: store nothing, answer the change impact; `migrate`: move contacts waiting at kept steps. */
export const publishJourney = (journey: JourneyDoc, options: { dry_run?: boolean; migrate?: boolean } = {}) =>
  call<PublishAnswer>('publish_journey', { journey, dry_run: options.dry_run ?? false, migrate: options.migrate ?? false });
export const liveStatus = (journey: string) => call<VersionReport[]>('live_status', { journey });
export const liveCounts = (journey: string, version?: number) =>
  call<LiveCounts>('live_counts', version === undefined ? { journey } : { journey, version });
export const setVersionStatus = (journey: string, version: number, status: VersionStatus) =>
  call<{ journey: string; version: number; status: VersionStatus }>('set_version_status', { journey, version, status });
export const listEnrollments = (journey: string, search = '', limit = 100, offset = 0) =>
  call<EnrollmentPage>('list_enrollments', { journey, search, limit, offset });
export const contactTimeline = (journey: string, contact: string) => call<LiveTimeline>('contact_timeline', { journey, contact });
export const sendTestEvent = (journey: string, contact: TestContact, data: Record<string, unknown>) =>
  call<SentEvent>('send_test_event', { journey, contact, data });
export const listOutbox = (journey: string, limit = 50) => call<OutboxEntry[]>('list_outbox', { journey, limit });

// ---- a server's /v1 API ("Publish to server…"; its stats and timelines in the Live view) ----

/** Whether the app keeps server tokens (the desktop keyring) and which it has for `url`. */
export const serverTokens = (url: string) => call<ServerTokens>('server_tokens', { url });
/** Publishes to a server with a publish token; `dry_run`: the server's change impact only. */
export const serverPublish = (server: ServerTarget, journey: JourneyDoc, options: { dry_run?: boolean; migrate?: boolean } = {}) =>
  call<PublishAnswer>('server_publish', { server, journey, dry_run: options.dry_run ?? false, migrate: options.migrate ?? false });
/** A journey's numbers on a server (a read token). */
export const serverStats = (server: ServerTarget, journey: string) => call<JourneyStats>('server_stats', { server, journey });
/** One contact's step log in every journey on a server (a read token). */
export const serverTimeline = (server: ServerTarget, contact: string) => call<Record<string, unknown>>('server_timeline', { server, contact });
