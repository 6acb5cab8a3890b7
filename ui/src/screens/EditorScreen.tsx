/**
 * The editor screen: header (file, validation status, facts, actions, publish), palette, canvas
 * with the problems panel, and the right sidebar (inspector, journey settings, simulate, live).
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { BackendError, CONFLICT, engineInfo, saveJourney } from '../api/backend';
import type { EngineInfo, JourneyDoc, NodeDoc, PublishAnswer, ScenarioDoc, WorkspaceInfo } from '../api/types';
import JourneyCanvas from '../canvas/JourneyCanvas';
import FindStep from '../canvas/FindStep';
import Palette from '../canvas/Palette';
import { FileDialog } from '../files/FileDialog';
import { nativeOpen, nativeSaveAs } from '../files/nativeDialogs';
import { rememberFile } from '../files/recent';
import Inspector from '../inspector/Inspector';
import { SampleProvider } from '../inspector/LiquidPreview';
import { DefaultTimezoneContext, TestContactsContext } from '../inspector/previewShared';
import { testContactsOf } from '../inspector/previewAs';
import { renamedJourney, slug } from '../model/ids';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import type { PaletteKind } from '../model/palette';
import { upstreamButtons } from '../model/upstream';
import ProblemsPanel from '../problems/ProblemsPanel';
import { factsPhrases, statusText } from '../problems/status';
import SettingsPanel from '../settings/SettingsPanel';
import SimulatePanel from '../simulate/SimulatePanel';
import LivePanel from '../live/LivePanel';
import PublishDialog from '../live/PublishDialog';
import HelpOverlay from './HelpOverlay';
import { useEditor } from '../editor/useEditor';

type Tab = 'inspector' | 'settings' | 'simulate' | 'live';

/** Tabs that stay open when a step is clicked (they show the whole journey). */
const KEEPS_TAB: Tab[] = ['simulate', 'live'];

export interface EditorScreenProps {
  initial: JourneyDoc;
  file: string | null;
  /** The revision of `file` as read, so that saving over a file changed since is refused. */
  revision?: string;
  workspace: WorkspaceInfo | null;
  /** The journey now lives in `file` (after save as): update the route without reloading. */
  onFileChanged: (file: string) => void;
  onDirtyChange: (dirty: boolean) => void;
  onOpenFile: (file: string) => void;
}

/** Why Publish is not available, or what it does. */
function publishTip(engine: EngineInfo | null, valid: boolean | undefined): string {
  if (engine && !engine.db) return 'No engine runs here: start the editor with itinera serve --ui --db FILE to publish';
  if (valid === false) return 'Fix the errors listed under Problems to publish';
  return engine?.db ? `Publish to the bundled engine (${engine.db}), after showing who is affected` : 'Publish to the bundled engine';
}

function isTextTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

function Editor({ initial, file: initialFile, revision: initialRevision, workspace, onFileChanged, onDirtyChange, onOpenFile }: EditorScreenProps) {
  const editor = useEditor(initial);
  const rf = useReactFlow();
  const [file, setFile] = useState<string | null>(initialFile);
  // The revision of `file` this editor last read or wrote: saving over it names it, so a
  // change made meanwhile by another window or program is not silently overwritten.
  const revision = useRef<string | undefined>(initialFile ? initialRevision : undefined);
  const [tab, setTab] = useState<Tab>('inspector');
  // The Simulate panel's scenario: the inspector's previews can be shown as its test contacts.
  const [simScenario, setSimScenario] = useState<ScenarioDoc | null>(null);
  const { setValidationScenario } = editor;
  const onSimScenario = useCallback(
    (s: ScenarioDoc | null) => {
      setSimScenario(s);
      setValidationScenario(s);
    },
    [setValidationScenario],
  );
  const triggerEventsKey = editor.journey.nodes
    .filter((n) => n.type === 'trigger')
    .map((n) => String((n as { event?: unknown }).event ?? ''))
    .join('\n');
  const testContacts = useMemo(
    () => ({
      contacts: testContactsOf(simScenario),
      triggerEvents: triggerEventsKey ? triggerEventsKey.split('\n').filter(Boolean) : [],
      start: simScenario?.start,
    }),
    [simScenario, triggerEventsKey],
  );
  const [dialog, setDialog] = useState<null | 'save' | 'open'>(null);
  const [help, setHelp] = useState(false);
  const [finding, setFinding] = useState(false);
  const [toast, setToast] = useState<{ text: string; kind: 'ok' | 'error' } | null>(null);
  const [saving, setSaving] = useState(false);
  // Auto-layout runs (ELK in a worker): busy while one runs; the last one's figures for tests.
  const [layout, setLayout] = useState<{ busy: boolean; runs: number; engine?: string; ms?: number }>({ busy: false, runs: 0 });
  const { autoLayout } = editor;
  const runLayout = useCallback(() => {
    setLayout((l) => ({ ...l, busy: true }));
    void autoLayout().then((outcome) => {
      setLayout((l) => ({ busy: false, runs: l.runs + 1, engine: outcome.engine, ms: Math.round(outcome.ms) }));
      if (outcome.applied) window.setTimeout(() => void rf.fitView({ padding: 0.15, duration: 300, maxZoom: 1 }), 50);
    });
  }, [autoLayout, rf]);
  const [engine, setEngine] = useState<EngineInfo | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [liveKey, setLiveKey] = useState(0);
  const canvasBox = useRef<HTMLDivElement>(null);
  const desktop = workspace?.desktop ?? false;

  useEffect(() => onDirtyChange(editor.dirty), [editor.dirty, onDirtyChange]);
  // Whether the backend runs the bundled engine (and where its database is).
  useEffect(() => {
    let cancelled = false;
    engineInfo()
      .then((info) => !cancelled && setEngine(info))
      .catch(() => !cancelled && setEngine({ db: null, records: null, running: false }));
    return () => {
      cancelled = true;
    };
  }, []);
  // Leaving the editor leaves nothing unsaved behind (the route guard already asked).
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);
  useEffect(() => {
    document.title = `${editor.dirty ? '● ' : ''}${editor.meta.name || editor.meta.id || 'Journey'} — Itinera`;
  }, [editor.dirty, editor.meta.name, editor.meta.id]);
  useEffect(() => {
    if (!toast) return;
    const t = window.setTimeout(() => setToast(null), toast.kind === 'error' ? 6000 : 2500);
    return () => window.clearTimeout(t);
  }, [toast]);

  const selected = useMemo(() => editor.nodes.filter((n) => n.selected), [editor.nodes]);
  const single = selected.length === 1 ? selected[0] : null;
  const otherIds = useMemo(() => (single ? editor.nodes.filter((n) => n !== single).map((n) => n.data.doc.id) : []), [editor.nodes, single]);
  const upstream = useMemo(() => (single && single.data.doc.type === 'wait_for' ? upstreamButtons(editor.nodes, editor.edges, single.id) : []), [single, editor.nodes, editor.edges]);
  const nodeDiagnostics = useMemo(
    () => (single && editor.report ? editor.report.diagnostics.filter((d) => d.node === single.data.doc.id || d.nodes?.includes(single.data.doc.id)) : []),
    [single, editor.report],
  );

  const centreOn = useCallback(
    (id: string) => {
      const n = rf.getNode(id);
      if (!n) return;
      const w = n.measured?.width ?? NODE_WIDTH;
      const h = n.measured?.height ?? NODE_HEIGHT;
      void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(rf.getZoom(), 0.9), duration: 300 });
    },
    [rf],
  );

  const selectAndCentre = useCallback(
    (id: string) => {
      editor.selectNode(id);
      centreOn(id);
    },
    [editor, centreOn],
  );

  const addAtCentre = useCallback(
    (kind: PaletteKind) => {
      const box = canvasBox.current?.getBoundingClientRect();
      const p = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 }) : { x: 0, y: 0 };
      editor.addNode(kind, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 });
      if (!KEEPS_TAB.includes(tab)) setTab('inspector');
    },
    [rf, editor, tab],
  );

  const onNodeClick = useCallback(() => setTab((t) => (KEEPS_TAB.includes(t) ? t : 'inspector')), []);
  const onPaneClick = useCallback(() => {}, []);

  // ---- files ----
  const doSave = useCallback(
    async (target: string) => {
      setSaving(true);
      const version = editor.version;
      try {
        const expected = target === file ? revision.current : undefined;
        const r = await saveJourney(target, editor.journey, expected);
        revision.current = r.revision;
        editor.markSaved(version);
        setFile(r.file);
        if (workspace) rememberFile(workspace.dir, r.file, editor.meta.name || editor.meta.id);
        if (r.file !== file) onFileChanged(r.file);
        setToast({ text: `Saved ${r.file}`, kind: 'ok' });
      } catch (e) {
        if (e instanceof BackendError && e.status === CONFLICT) {
          // Keep the user's work; they choose: save under another name, or reopen the file.
          setToast({ text: `Not saved: ${target} was changed by another window or program since you opened it. Use Save as to keep your version.`, kind: 'error' });
        } else setToast({ text: `Could not save: ${e instanceof BackendError ? e.message : String(e)}`, kind: 'error' });
      } finally {
        setSaving(false);
      }
    },
    [editor, workspace, file, onFileChanged],
  );

  const suggested = file ?? `${slug(editor.meta.id || editor.meta.name || 'journey').replace(/_/g, '-')}.journey.json`;

  const saveAs = useCallback(async () => {
    if (desktop && workspace) {
      try {
        const chosen = await nativeSaveAs(workspace.dir, suggested);
        if (chosen) await doSave(chosen);
      } catch (e) {
        setToast({ text: e instanceof Error ? e.message : String(e), kind: 'error' });
      }
    } else setDialog('save');
  }, [desktop, workspace, suggested, doSave]);

  const save = useCallback(() => {
    if (file) void doSave(file);
    else void saveAs();
  }, [file, doSave, saveAs]);

  const open = useCallback(async () => {
    if (desktop && workspace) {
      try {
        const chosen = await nativeOpen(workspace.dir);
        if (chosen) onOpenFile(chosen);
      } catch (e) {
        setToast({ text: e instanceof Error ? e.message : String(e), kind: 'error' });
      }
    } else setDialog('open');
  }, [desktop, workspace, onOpenFile]);

  // ---- keyboard ----
  const keys = useRef({ editor, save, saveAs, open });
  useLayoutEffect(() => {
    keys.current = { editor, save, saveAs, open };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { editor: ed, save: sv, saveAs: sa, open: op } = keys.current;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      const inText = isTextTarget(e.target);
      if (mod && k === 'z') {
        e.preventDefault();
        if (inText) (document.activeElement as HTMLElement | null)?.blur();
        if (e.shiftKey) ed.redo();
        else ed.undo();
      } else if (mod && k === 'y') {
        e.preventDefault();
        if (inText) (document.activeElement as HTMLElement | null)?.blur();
        ed.redo();
      } else if (mod && k === 's') {
        e.preventDefault();
        if (e.shiftKey) void sa();
        else sv();
      } else if (mod && k === 'f') {
        e.preventDefault();
        setFinding(true);
      } else if (mod && k === 'o') {
        e.preventDefault();
        void op();
      } else if (inText) {
        return;
      } else if (mod && k === 'c') {
        if (window.getSelection()?.toString()) return;
        if (ed.copy() > 0) e.preventDefault();
      } else if (mod && k === 'v') {
        if (ed.paste().length > 0) e.preventDefault();
      } else if (mod && k === 'd') {
        e.preventDefault();
        ed.duplicate();
      } else if (mod && k === 'a') {
        e.preventDefault();
        ed.selectAll();
      } else if (e.key === '?') {
        e.preventDefault();
        setHelp(true);
      } else if (e.key === 'Escape') {
        setHelp(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- header ----
  const report = editor.report;
  const status = editor.validationError ? 'Validation unavailable' : report ? statusText(report) : 'Checking…';
  const statusKind = editor.validationError ? 'unknown' : !report ? 'pending' : report.valid ? 'valid' : 'error';
  const facts = report?.valid ? factsPhrases(report.facts, (id) => editor.nodes.find((n) => n.data.doc.id === id)?.data.doc) : [];

  // The inspector names the step by its journey id; two steps may share one (a duplicate_id
  // error), so edits and renames go to the selected card's canvas id: the second copy is fixable.
  const singleId = single?.id;
  const onInspectorChange = useCallback(
    (id: string, doc: NodeDoc, key: string) => {
      const target = singleId ?? id;
      editor.updateNode(target, doc, `${target}:${key}`);
    },
    [editor, singleId],
  );
  const onInspectorRename = useCallback((from: string, to: string) => editor.renameNode(singleId ?? from, to), [editor, singleId]);
  const onDeleteSelected = useCallback(() => editor.deleteSelection(), [editor]);
  const onMetaChange = editor.updateMeta;
  const onSimSelectNode = useCallback((id: string) => selectAndCentre(id), [selectAndCentre]);
  const canPublish = !!engine?.db && !!report?.valid && !editor.validationError;
  const tip = publishTip(engine, report ? report.valid : undefined);
  const onPublished = useCallback((answer: PublishAnswer) => {
    setPublishing(false);
    if (!answer.unchanged) setToast({ text: `Published version ${answer.version}${answer.migrated > 0 ? `; ${answer.migrated} contact(s) moved to it` : ''}`, kind: 'ok' });
    setTab('live');
    setLiveKey((k) => k + 1);
  }, []);

  return (
    <div className="editor">
      <header className="topbar">
        <a className="topbar__home" href="#/" title="All journeys" data-testid="home">
          <span className="logo">◆</span> Itinera
        </a>
        <div className="topbar__doc">
          {/* The name is as wide as its text (a hidden copy sizes the grid cell), up to a limit. */}
          <span className="topbar__namebox" data-value={editor.meta.name || 'Untitled journey'}>
            <input
              className="topbar__name"
              data-testid="journey-name"
              value={editor.meta.name ?? ''}
              placeholder="Untitled journey"
              aria-label="Journey name"
              title={editor.meta.name || undefined}
              size={1}
              onChange={(e) => editor.updateMeta(renamedJourney(editor.meta, e.target.value, file === null), 'name')}
            />
          </span>
          <span className="topbar__file mono" title={file ?? 'Not saved yet'}>
            {file ?? 'not saved yet'}
          </span>
          {editor.dirty && (
            <span className="dirty" data-testid="dirty-marker" title="Unsaved changes">
              ● Unsaved
            </span>
          )}
        </div>
        <div className={`status status--${statusKind}`} data-testid="validation-status" data-valid={report ? String(report.valid) : ''} title={editor.validationError ?? undefined}>
          {status}
        </div>
        {report && report.valid && report.diagnostics.length > 0 && (
          <div className="warn-count" data-testid="warning-count" title="Warnings do not stop the journey; see the problems panel">
            {report.diagnostics.length} warning{report.diagnostics.length === 1 ? '' : 's'}
          </div>
        )}
        {facts.length > 0 && (
          <div
            className="facts"
            data-testid="facts"
            title={facts.join('\n')}
          >
            {facts.map((f) => (
              <span key={f} className="facts__item">
                {f}
              </span>
            ))}
          </div>
        )}
        <div className="topbar__spacer" />
        <div className="toolbar" role="toolbar" aria-label="Editing">
          <button type="button" className="btn btn--icon" data-testid="undo" onClick={editor.undo} disabled={!editor.canUndo} title="Undo (Ctrl+Z)">
            ↶
          </button>
          <button type="button" className="btn btn--icon" data-testid="redo" onClick={editor.redo} disabled={!editor.canRedo} title="Redo (Ctrl+Shift+Z)">
            ↷
          </button>
          <button
            type="button"
            className="btn"
            data-testid="auto-layout"
            onClick={runLayout}
            disabled={layout.busy}
            aria-busy={layout.busy}
            data-layout-runs={layout.runs}
            data-layout-engine={layout.engine}
            data-layout-ms={layout.ms}
            title="Arrange the steps top to bottom, wires around the steps"
          >
            {layout.busy ? 'Arranging…' : 'Auto-layout'}
          </button>
          <button type="button" className="btn btn--icon" data-testid="find" onClick={() => setFinding(true)} title="Find a step (Ctrl+F)">
            ⌕
          </button>
          <button type="button" className="btn" data-testid="fit-view" onClick={() => void rf.fitView({ padding: 0.15, duration: 300, maxZoom: 1 })} title="Zoom to fit">
            Fit
          </button>
        </div>
        <div className="toolbar" role="toolbar" aria-label="File">
          <button type="button" className="btn" data-testid="open" onClick={() => void open()} title="Open (Ctrl+O)">
            Open
          </button>
          <button type="button" className="btn" data-testid="save-as" onClick={() => void saveAs()} title="Save as (Ctrl+Shift+S)">
            Save as
          </button>
          <button type="button" className="btn btn--primary" data-testid="save" onClick={save} disabled={saving} title="Save (Ctrl+S)">
            {saving ? 'Saving…' : 'Save'}
          </button>
          <span className="publish-wrap" title={canPublish ? undefined : tip}>
            <button type="button" className="btn" data-testid="publish" disabled={!canPublish} title={tip} aria-describedby="publish-tip" onClick={() => setPublishing(true)}>
              Publish
            </button>
            {!canPublish && (
              <span id="publish-tip" role="tooltip" className="tooltip">
                {tip}
              </span>
            )}
          </span>
          <button type="button" className="btn btn--icon" data-testid="help" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
            ?
          </button>
        </div>
      </header>
      {toast && (
        <div className={`toast toast--${toast.kind}`} data-testid="toast" role="status">
          {toast.text}
        </div>
      )}
      <div className="editor__body">
        <Palette onAdd={addAtCentre} />
        <div className="editor__center" ref={canvasBox}>
          <JourneyCanvas editor={editor} onNodeClick={onNodeClick} onPaneClick={onPaneClick} />
          {finding && (
            <FindStep
              nodes={editor.nodes}
              onClose={() => setFinding(false)}
              onPick={(id) => {
                setFinding(false);
                selectAndCentre(id);
                setTab((t) => (KEEPS_TAB.includes(t) ? t : 'inspector'));
              }}
            />
          )}
          <ProblemsPanel report={report} validating={editor.validating} error={editor.validationError} onSelect={selectAndCentre} journey={editor.journey} onFix={editor.applyDoc} />
        </div>
        <aside className="sidebar">
          <div className="tabs" role="tablist">
            {(
              [
                ['inspector', 'Step'],
                ['settings', 'Journey'],
                ['simulate', 'Simulate'],
                ['live', 'Live'],
              ] as [Tab, string][]
            ).map(([t, label]) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={`tab${tab === t ? ' tab--on' : ''}`} data-testid={`tab-${t}`} onClick={() => setTab(t)}>
                {label}
              </button>
            ))}
          </div>
          <div className="sidebar__body">
            {tab === 'inspector' && (
              <DefaultTimezoneContext.Provider value={editor.meta.settings?.default_timezone}>
                <TestContactsContext.Provider value={testContacts}>
                <Inspector
                  node={single ? single.data.doc : null}
                  selectionCount={selected.length}
                  otherIds={otherIds}
                  upstreamButtons={upstream}
                  diagnostics={nodeDiagnostics}
                  journey={editor.journey}
                  onChange={onInspectorChange}
                  onRename={onInspectorRename}
                  onDelete={onDeleteSelected}
                />
                </TestContactsContext.Provider>
              </DefaultTimezoneContext.Provider>
            )}
            {tab === 'settings' && <SettingsPanel meta={editor.meta} onChange={onMetaChange} />}
            <div className="sidebar__sim" hidden={tab !== 'simulate'}>
              <SimulatePanel journey={editor.journey} journeyFile={file} valid={report?.valid ?? false} onOverlay={editor.setOverlay} onSelectNode={onSimSelectNode} onScenario={onSimScenario} />
            </div>
            {tab === 'live' && <LivePanel journey={editor.journey} engine={engine} refreshKey={liveKey} onOverlay={editor.setOverlay} onSelectNode={onSimSelectNode} />}
          </div>
        </aside>
      </div>
      {dialog && workspace && (
        <FileDialog
          mode={dialog}
          folder={workspace.dir}
          initialName={dialog === 'save' ? suggested : ''}
          onCancel={() => setDialog(null)}
          onChoose={(f) => {
            setDialog(null);
            if (dialog === 'save') void doSave(f);
            else onOpenFile(f);
          }}
        />
      )}
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
      {publishing && <PublishDialog journey={editor.journey} engine={engine} onClose={() => setPublishing(false)} onPublished={onPublished} />}
    </div>
  );
}

export default function EditorScreen(props: EditorScreenProps) {
  return (
    <ReactFlowProvider>
      <SampleProvider>
        <Editor {...props} />
      </SampleProvider>
    </ReactFlowProvider>
  );
}
