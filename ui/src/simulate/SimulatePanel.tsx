/**
 * The Simulate tab of the editor: pick or edit a scenario, run it through the backend's
 * simulator, read the results and follow one contact on the canvas.
 *
 * The panel never simulates anything itself: it sends the journey being edited and the scenario
 * to `simulate_journey` and shows the report. The canvas overlay (per-node and per-edge counts,
 * the selected contact's path) goes out through `onOverlay`; the editor draws it and clears it
 * when the journey is edited. A run made before the journey or the scenario changed is kept but
 * marked stale (saying which changed).
 *
 * An edited scenario or a run survives the panel being unmounted and mounted again for the same
 * journey file (remembered for the lifetime of the page); an untouched panel starts afresh, so
 * a scenario file that appeared in the meantime is picked up.
 *
 * While a run works the progress indicator shows the contacts done (streamed by the backend)
 * and a Cancel button that stops the work in the backend (the request is aborted) and returns
 * the panel to ready with the note "Simulation cancelled".
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BackendError, Cancelled, listScenarios, saveScenario, simulateJourney } from '../api/backend';
import type { Diagnostic, JourneyDoc, ScenarioDoc, ScenarioListing, SimProgress, SimReport } from '../api/types';
import { overlayForContact, overlayFromReport, type SimOverlay } from './trafficOverlay';
import { TIMELINE_LIMIT, staleText } from './results';
import { contactTotal, blankScenario, outlineJourney, scenarioFileFor, scenarioProblems, type JourneyOutline } from './scenarioEdit';
import { ScenarioEditor } from './ScenarioEditor';
import { memory } from './panelMemory';
import { SimResults } from './SimResults';
import './simulate.css';

/** Props agreed with the editor (ui-interfaces.md). */
export interface SimulatePanelProps {
  journey: JourneyDoc;
  journeyFile: string | null;
  valid: boolean;
  onOverlay: (overlay: SimOverlay | null) => void;
  onSelectNode: (id: string) => void;
  /** The scenario being edited or chosen, as it changes (the inspector previews "as" its contacts). */
  onScenario?: (scenario: ScenarioDoc | null) => void;
}


const NEW_SCENARIO = 'new';

/** Quiet time after the last journey edit before checking whether the run is stale. */
const STALE_CHECK_MS = 200;

interface RunError {
  message: string;
  diagnostics: Diagnostic[];
}

function sourceKey(file: string): string {
  return `file:${file}`;
}

/** The journey as text without node positions: moving nodes around does not make a run stale. */
function journeyShape(journey: JourneyDoc): string {
  return JSON.stringify(journey, (key, value: unknown) => (key === 'position' ? undefined : value));
}

/** "2 test contacts + 500 generated" */
function describeScenario(s: ScenarioDoc): string {
  const hand = s.contacts?.length ?? 0;
  const generated = s.population ? Number(s.population.count) || 0 : 0;
  const parts: string[] = [];
  if (hand > 0 || generated === 0) parts.push(`${hand} test contact${hand === 1 ? '' : 's'}`);
  if (generated > 0) parts.push(`${generated.toLocaleString('en')} generated`);
  return parts.join(' + ');
}

/** The time zone of each hand-written contact (its own, else the journey's default). */
function contactZones(scenario: ScenarioDoc, defaultTimezone: string): Record<string, string> {
  return Object.fromEntries((scenario.contacts ?? []).map((c) => [c.id, c.timezone || defaultTimezone]));
}

function cloneScenario(s: ScenarioDoc): ScenarioDoc {
  return JSON.parse(JSON.stringify(s)) as ScenarioDoc;
}

export default function SimulatePanel(props: SimulatePanelProps) {
  const { journey, journeyFile, valid, onOverlay, onSelectNode, onScenario } = props;
  const memoryKey = `${journeyFile ?? ''}|${journey.id}`;
  const [remembered] = useState(() => {
    const m = memory.get(memoryKey);
    return m && (m.dirty || m.report) ? m : undefined;
  });

  const [listing, setListing] = useState<ScenarioListing[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [source, setSource] = useState<string>(remembered?.source ?? '');
  const [scenario, setScenario] = useState<ScenarioDoc | null>(remembered?.scenario ?? null);
  const [dirty, setDirty] = useState(remembered?.dirty ?? false);
  const [report, setReport] = useState<SimReport | null>(remembered?.report ?? null);
  const [reportJourney, setReportJourney] = useState<string | null>(remembered?.reportJourney ?? null);
  const [reportScenario, setReportScenario] = useState<string | null>(remembered?.reportScenario ?? null);
  const [selected, setSelected] = useState<string | null>(remembered?.selected ?? null);
  const [saveName, setSaveName] = useState<string>(remembered?.saveName ?? scenarioFileFor(journeyFile, journey.id));
  const [saveNameTouched, setSaveNameTouched] = useState(remembered !== undefined);
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [progress, setProgress] = useState<SimProgress | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [runError, setRunError] = useState<RunError | null>(null);
  const [saveState, setSaveState] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [editorOpen, setEditorOpen] = useState(remembered?.report ? false : true);
  const [zones, setZones] = useState<Record<string, string>>(() =>
    remembered?.scenario ? contactZones(remembered.scenario, outlineJourney(journey).defaultTimezone) : {},
  );
  const runToken = useRef(0);
  // Stops the run in progress (aborts its request: the backend cancels the work).
  const abortRun = useRef<AbortController | null>(null);
  useEffect(() => () => abortRun.current?.abort(), []);
  // What the current report was computed from: a generated contact's timeline is replayed on
  // demand from exactly these inputs (contacts are simulated independently, so the backend gives
  // the same trace as a run that kept everybody's).
  const runInputs = useRef<{ journey: JourneyDoc; scenario: ScenarioDoc } | null>(null);

  // Remember the panel's state for when the tab is shown again.
  useEffect(() => {
    memory.set(memoryKey, { source, scenario, dirty, report, reportJourney, reportScenario, selected, saveName });
  }, [memoryKey, source, scenario, dirty, report, reportJourney, reportScenario, selected, saveName]);

  const loadListing = useCallback(async (): Promise<ScenarioListing[] | null> => {
    try {
      const l = await listScenarios();
      setListing(l);
      setListError(null);
      return l;
    } catch (e) {
      setListError(e instanceof Error ? e.message : String(e));
      setListing([]);
      return null;
    }
  }, []);

  // Load the scenarios once; preselect the one made for this journey (a file next to the journey
  // first, then a sample whose journey_id matches), else start a new one.
  useEffect(() => {
    let cancelled = false;
    void loadListing().then((l) => {
      if (cancelled || remembered?.scenario) return;
      const items = l ?? [];
      const nextTo = scenarioFileFor(journeyFile, journey.id);
      const pick =
        items.find((s) => s.file === nextTo) ??
        items.find((s) => s.journey_id && s.journey_id === journey.id) ??
        null;
      if (pick) {
        setSource(sourceKey(pick.file));
        setScenario(cloneScenario(pick.scenario));
      } else {
        setSource(NEW_SCENARIO);
        setScenario(blankScenario(journey));
      }
      setDirty(false);
    });
    return () => {
      cancelled = true;
    };
    // Only on mount: later journey edits must not replace the scenario being edited.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A journey saved (or saved under another name) moves the default scenario file next to it.
  useEffect(() => {
    if (!saveNameTouched) setSaveName(scenarioFileFor(journeyFile, journey.id));
  }, [journeyFile, journey.id, saveNameTouched]);

  // The elapsed-time counter of the progress indicator.
  useEffect(() => {
    if (!running) return;
    const started = performance.now();
    const timer = window.setInterval(() => setElapsed((performance.now() - started) / 1000), 100);
    return () => window.clearInterval(timer);
  }, [running]);

  const chooseSource = (value: string) => {
    setSource(value);
    setSaveState(null);
    if (value === NEW_SCENARIO) {
      setScenario(blankScenario(journey));
    } else {
      const item = listing?.find((s) => sourceKey(s.file) === value);
      if (item) setScenario(cloneScenario(item.scenario));
    }
    setDirty(false);
  };

  const editScenario = useCallback((next: ScenarioDoc) => {
    setScenario(next);
    setDirty(true);
    setSaveState(null);
  }, []);

  // The editor re-renders on every edit of the journey (this panel stays mounted while hidden):
  // hand the scenario editor the same outline object for as long as its content is the same.
  const outlineKey = JSON.stringify(outlineJourney(journey));
  const outline = useMemo(() => JSON.parse(outlineKey) as JourneyOutline, [outlineKey]);

  // An untouched new scenario follows the journey as it is built (its trigger event, channels).
  // (Only an outline change triggers it; source and dirty are read at that moment.)
  const follow = useRef({ journey, source, dirty });
  follow.current = { journey, source, dirty };
  const firstOutline = useRef(outlineKey);
  useEffect(() => {
    if (outlineKey === firstOutline.current) return;
    firstOutline.current = outlineKey;
    const { journey: j, source: src, dirty: d } = follow.current;
    if (src === NEW_SCENARIO && !d) setScenario(blankScenario(j));
  }, [outlineKey]);

  // Tell the editor which scenario is chosen, once edits pause: a scenario file, or a new one
  // once edited (the untouched blank one that follows the journey is nobody's choice).
  const chosen = scenario && (source !== NEW_SCENARIO || dirty) ? scenario : null;
  useEffect(() => {
    if (!onScenario) return;
    const timer = window.setTimeout(() => onScenario(chosen), STALE_CHECK_MS);
    return () => window.clearTimeout(timer);
  }, [chosen, onScenario]);

  const problems = useMemo(() => (scenario ? scenarioProblems(scenario) : []), [scenario]);
  const total = scenario ? contactTotal(scenario) : 0;
  const canRun = valid && !!scenario && problems.length === 0 && !running;

  const run = async () => {
    if (!scenario || !canRun) return;
    const token = ++runToken.current;
    abortRun.current?.abort();
    const controller = new AbortController();
    abortRun.current = controller;
    setRunning(true);
    setElapsed(0);
    setProgress(null);
    setCancelled(false);
    setRunError(null);
    const journeyAtRun = journey;
    const onProgress = (p: SimProgress) => {
      if (token === runToken.current) setProgress(p);
    };
    try {
      const r = await simulateJourney(journeyAtRun, scenario, total <= TIMELINE_LIMIT ? 'all' : undefined, {
        signal: controller.signal,
        onProgress,
      });
      if (token !== runToken.current) return;
      runInputs.current = { journey: journeyAtRun, scenario };
      setReport(r);
      setZones(contactZones(scenario, outlineJourney(journeyAtRun).defaultTimezone));
      setReportJourney(journeyShape(journeyAtRun));
      setReportScenario(JSON.stringify(scenario));
      setSelected(null);
      setEditorOpen(false);
      onOverlay(overlayFromReport(r));
    } catch (e) {
      if (token !== runToken.current || e instanceof Cancelled) return;
      if (e instanceof BackendError) setRunError({ message: e.message, diagnostics: e.diagnostics ?? [] });
      else setRunError({ message: e instanceof Error ? e.message : String(e), diagnostics: [] });
    } finally {
      if (token === runToken.current) {
        setRunning(false);
        setProgress(null);
        if (abortRun.current === controller) abortRun.current = null;
      }
    }
  };

  const cancelRun = () => {
    // A late answer of the cancelled run is ignored; the panel is ready at once.
    runToken.current++;
    abortRun.current?.abort();
    abortRun.current = null;
    setRunning(false);
    setProgress(null);
    setCancelled(true);
  };

  const timelinesOmitted = useMemo(
    () => !!report && (report.contacts.some((c) => !Array.isArray(c.steps)) || report.contacts.length < report.summary.contacts),
    [report],
  );

  // Whether the journey or the scenario changed since the run, worked out once edits pause (not
  // on every frame of a node drag or every key typed).
  const [staleJourney, setStaleJourney] = useState(false);
  const [staleScenario, setStaleScenario] = useState(false);
  useEffect(() => {
    if (!report) {
      setStaleJourney(false);
      setStaleScenario(false);
      return;
    }
    const timer = window.setTimeout(() => {
      setStaleJourney(journeyShape(journey) !== reportJourney);
      // A run remembered from before this check existed has no scenario text: not stale.
      setStaleScenario(reportScenario !== null && JSON.stringify(scenario) !== reportScenario);
    }, STALE_CHECK_MS);
    return () => window.clearTimeout(timer);
  }, [journey, scenario, report, reportJourney, reportScenario]);
  const stale = staleJourney || staleScenario;
  const staleNote = staleText(staleJourney, staleScenario);

  // What the results are read against: the journey as it was run (its goal, its triggers).
  const ranWith = useMemo(() => {
    let doc: Partial<JourneyDoc> | null = null;
    try {
      doc = reportJourney ? (JSON.parse(reportJourney) as Partial<JourneyDoc>) : null;
    } catch {
      doc = null;
    }
    const ran = doc ?? journey;
    return {
      hasGoal: !!ran.settings?.goal?.event,
      triggers: (ran.nodes ?? []).filter((n) => n.type === 'trigger').map((n) => n.id),
    };
  }, [reportJourney, journey]);

  // Stable callbacks (the results list is memoised) reading the latest values through a ref.
  const latest = useRef({ report, stale, journey, reportJourney, onOverlay, onSelectNode, selected });
  latest.current = { report, stale, journey, reportJourney, onOverlay, onSelectNode, selected };
  const selectContact = useCallback((id: string | null) => {
    setSelected(id);
    const { report: r, journey: j, reportJourney: rj, onOverlay: draw } = latest.current;
    // A run made before the journey changed would draw counts on the wrong steps.
    if (!r || journeyShape(j) !== rj) return;
    draw(id ? overlayForContact(r, id) : overlayFromReport(r));
    const contact = id ? r.contacts.find((c) => c.id === id) : undefined;
    const inputs = runInputs.current;
    if (!id || !contact || contact.outcome === 'not_entered' || (contact.steps?.length ?? 0) > 0 || !inputs) return;
    // A generated contact of a large population: replay just this one for its timeline.
    simulateJourney(inputs.journey, inputs.scenario, [id])
      .then((one) => {
        const found = one.contacts.find((c) => c.id === id);
        // A new run (or Clear) makes this answer moot.
        if (!found || runInputs.current !== inputs) return;
        // Merge into whatever the report is by then: other replays may have landed meanwhile.
        setReport((now) => (now ? { ...now, contacts: now.contacts.map((c) => (c.id === id ? found : c)) } : now));
        // Only draw the path if this contact is still the one selected (keys walk the list fast).
        const now = latest.current;
        if (now.selected === id && journeyShape(now.journey) === now.reportJourney) now.onOverlay(overlayForContact({ ...r, contacts: [found] }, id));
      })
      .catch((e: unknown) => {
        if (runInputs.current === inputs) setRunError({ message: e instanceof Error ? e.message : String(e), diagnostics: [] });
      });
  }, []);
  const selectNode = useCallback((id: string) => latest.current.onSelectNode(id), []);

  const clearResults = () => {
    setReport(null);
    setReportJourney(null);
    setReportScenario(null);
    setSelected(null);
    onOverlay(null);
  };

  const save = async () => {
    if (!scenario) return;
    const name = saveName.trim();
    if (!name.endsWith('.scenario.json')) {
      setSaveState({ kind: 'error', text: 'The file name must end in .scenario.json' });
      return;
    }
    try {
      const saved = await saveScenario(name, scenario);
      setSource(sourceKey(saved.file));
      setDirty(false);
      setSaveState({ kind: 'ok', text: `Saved ${saved.file}` });
      await loadListing();
    } catch (e) {
      setSaveState({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  };


  return (
    <div className="sim-panel" data-testid="simulate-panel">
      <section className="sim-section">
        <div className="sim-row">
          <label className="sim-label" htmlFor="sim-scenario-select">
            Scenario
          </label>
          <select
            id="sim-scenario-select"
            className="sim-select sim-grow"
            data-testid="scenario-select"
            value={source}
            onChange={(e) => chooseSource(e.target.value)}
            disabled={listing === null}
          >
            {listing === null && <option value="">Loading scenarios…</option>}
            {source === '' && listing !== null && <option value="">Choose a scenario…</option>}
            {listing !== null && listing.length > 0 && (
              <optgroup label="Scenarios">
                {listing.map((s) => (
                  <option key={s.file} value={sourceKey(s.file)}>
                    {s.name || s.file}
                    {s.journey_id && s.journey_id === journey.id ? ' (for this journey)' : ''}
                  </option>
                ))}
              </optgroup>
            )}
            <option value={NEW_SCENARIO}>New scenario</option>
          </select>
        </div>
        {listError && <p className="sim-note sim-note-error">Could not list the scenarios: {listError}</p>}
      </section>

      {scenario && (
        <button
          type="button"
          className="sim-collapse"
          data-testid="scenario-toggle"
          aria-expanded={editorOpen}
          onClick={() => setEditorOpen((o) => !o)}
        >
          <span className="sim-chevron" aria-hidden="true">
            {editorOpen ? '▾' : '▸'}
          </span>
          <span className="sim-heading sim-grow">Scenario</span>
          <span className="sim-muted">{describeScenario(scenario)}{dirty ? ' · edited' : ''}</span>
        </button>
      )}

      {scenario && editorOpen && <ScenarioEditor outline={outline} scenario={scenario} onChange={editScenario} />}

      {scenario && editorOpen && (
        <section className="sim-section sim-save">
          <div className="sim-row">
            <input
              className="sim-input sim-grow"
              data-testid="scenario-file-name"
              aria-label="Scenario file name"
              value={saveName}
              onChange={(e) => {
                setSaveName(e.target.value);
                setSaveNameTouched(true);
              }}
            />
            <button type="button" className="sim-button" data-testid="save-scenario" onClick={() => void save()}>
              Save scenario{dirty ? ' *' : ''}
            </button>
          </div>
          {dirty && source !== '' && (
            <button type="button" className="sim-button sim-quiet sim-small" data-testid="revert-scenario" onClick={() => chooseSource(source)}>
              {source === NEW_SCENARIO ? 'Start the new scenario again' : 'Revert to the saved file'}
            </button>
          )}
          {saveState && (
            <p className={`sim-note ${saveState.kind === 'error' ? 'sim-note-error' : 'sim-note-ok'}`} data-testid="scenario-save-status">
              {saveState.text}
            </p>
          )}
        </section>
      )}

      <section className="sim-section sim-run">
        {!valid && (
          <p className="sim-note sim-note-error" data-testid="sim-invalid">
            Simulation needs a valid journey: fix the errors listed under Problems first.
          </p>
        )}
        {valid && problems.length > 0 && (
          <ul className="sim-note sim-note-error sim-problems" data-testid="scenario-problems">
            {problems.map((p, i) => (
              <li key={i}>{p.contact ? `${p.contact}: ${p.message}` : p.message}</li>
            ))}
          </ul>
        )}
        <div className="sim-row">
          <button
            type="button"
            className="sim-button sim-primary"
            data-testid="run-simulation"
            disabled={!canRun}
            onClick={() => void run()}
            title={!valid ? 'Fix the journey errors first' : undefined}
          >
            {running ? 'Simulating…' : `Run simulation${total > 0 ? ` (${total.toLocaleString('en')} contact${total === 1 ? '' : 's'})` : ''}`}
          </button>
          {report && !running && (
            <button type="button" className="sim-button sim-quiet" data-testid="clear-simulation" onClick={clearResults}>
              Clear
            </button>
          )}
        </div>
        {running && (
          <div
            className="sim-progress"
            data-testid="sim-progress"
            role="progressbar"
            aria-label="Simulation running"
            aria-valuemin={0}
            aria-valuemax={progress?.total ?? total}
            aria-valuenow={progress?.done}
          >
            <div className={`sim-progress-bar${progress && progress.total > 0 ? ' sim-progress-known' : ''}`}>
              {progress && progress.total > 0 && (
                <div className="sim-progress-fill" style={{ width: `${Math.min(100, (100 * progress.done) / progress.total)}%` }} />
              )}
            </div>
            <div className="sim-row">
              <span className="sim-progress-text sim-grow">
                Simulating {(progress?.total ?? total).toLocaleString('en')} contacts…{' '}
                <span data-testid="sim-progress-done" data-done={progress?.done ?? 0}>
                  {(progress?.done ?? 0).toLocaleString('en')} done
                </span>{' '}
                · {elapsed.toFixed(1)} s
              </span>
              <button type="button" className="sim-button sim-quiet sim-small" data-testid="cancel-simulation" onClick={cancelRun}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {cancelled && !running && (
          <p className="sim-note" data-testid="sim-cancelled">
            Simulation cancelled
          </p>
        )}
        {runError && (
          <div className="sim-note sim-note-error" data-testid="sim-error">
            <p>The simulation could not run: {runError.message}</p>
            {runError.diagnostics.length > 0 && (
              <ul>
                {runError.diagnostics.map((d, i) => (
                  <li key={i}>
                    {d.node ? (
                      <button type="button" className="sim-link" onClick={() => onSelectNode(d.node as string)}>
                        {d.node}
                      </button>
                    ) : null}{' '}
                    {d.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {stale && (
          <p
            className="sim-note sim-note-warn"
            data-testid="sim-stale"
            data-journey-changed={staleJourney}
            data-scenario-changed={staleScenario}
          >
            {staleNote} Run again to update the results.
          </p>
        )}
      </section>

      {report && (
        <SimResults
          report={report}
          selected={selected}
          onSelectContact={selectContact}
          onSelectNode={selectNode}
          timelinesOmitted={timelinesOmitted}
          zones={zones}
          hasGoal={ranWith.hasGoal}
          triggers={ranWith.triggers}
        />
      )}
    </div>
  );
}

export { SimulatePanel };
