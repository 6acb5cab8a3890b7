/**
 * The app shell: hash routing between the start screen and the editor, the workspace folder,
 * and the unsaved-changes guards (route changes, closing the tab or the desktop window).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isTauri, listTemplates, openFolder, readJourney, workspaceInfo } from './api/backend';
import type { JourneyDoc, WorkspaceInfo } from './api/types';
import EditorScreen from './screens/EditorScreen';
import { validateEarly } from './editor/useEditor';
import { FileDialog } from './files/FileDialog';
import { confirmDiscard, nativeOpen, nativePickFolder } from './files/nativeDialogs';
import { journeyRoute } from './files/paths';
import { rememberFile } from './files/recent';
import { blankJourney, checkJourneyShape } from './model/canvas';
import { parseRoute, routeKey, type Route } from './routes';
import StartScreen from './screens/StartScreen';

const DISCARD = 'You have unsaved changes. Discard them?';

type Loaded = { key: string; doc: JourneyDoc; file: string | null; revision?: string } | { key: string; error: string };

function useWorkspace() {
  const [ws, setWs] = useState<WorkspaceInfo | null>(null);
  useEffect(() => {
    workspaceInfo().then(setWs, () => setWs(null));
  }, []);
  return [ws, setWs] as const;
}

export default function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [workspace, setWorkspace] = useWorkspace();
  const dirty = useRef(false);
  const currentHash = useRef(window.location.hash);
  /** A hash we set ourselves after "save as": the editor stays as it is. */
  const silentHash = useRef<string | null>(null);

  // Route changes, guarded by unsaved changes.
  useEffect(() => {
    const onHash = async () => {
      const hash = window.location.hash;
      if (hash === currentHash.current) return;
      if (silentHash.current === hash) {
        silentHash.current = null;
        currentHash.current = hash;
        return;
      }
      if (dirty.current) {
        const previous = currentHash.current;
        // Put the old route back while asking, so a refusal leaves everything as it was.
        window.history.replaceState(null, '', previous || '#/');
        const ok = await confirmDiscard(DISCARD, isTauri());
        if (!ok) return;
        dirty.current = false;
        window.history.pushState(null, '', hash);
      }
      currentHash.current = hash;
      setRoute(parseRoute(hash));
    };
    const listener = () => void onHash();
    window.addEventListener('hashchange', listener);
    return () => window.removeEventListener('hashchange', listener);
  }, []);

  // Closing the browser tab.
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (!dirty.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, []);

  // Closing the desktop window: asked only while there are unsaved changes (a clean window
  // closes the default way, without any JavaScript in the path).
  const [dirtyNow, setDirtyNow] = useState(false);
  useEffect(() => {
    if (!isTauri() || !dirtyNow) return;
    let unlisten: (() => void) | undefined;
    let cancelled = false;
    void import('@tauri-apps/api/window').then(({ getCurrentWindow }) =>
      getCurrentWindow()
        .onCloseRequested(async (event) => {
          if (dirty.current && !(await confirmDiscard(DISCARD, true))) event.preventDefault();
        })
        .then((u) => {
          if (cancelled) u();
          else unlisten = u;
        }),
    );
    return () => {
      cancelled = true;
      unlisten?.();
    };
  }, [dirtyNow]);

  // Load what the route names.
  const key = routeKey(route);
  useEffect(() => {
    let live = true;
    const done = (l: Loaded) => live && setLoaded(l);
    const fail = (e: unknown) => done({ key, error: e instanceof Error ? e.message : String(e) });
    const check = (doc: JourneyDoc) => {
      checkJourneyShape(doc); // throws a clear message when it is not a journey (the editor lays it out once, later)
      return doc;
    };
    if (route.kind === 'journey') {
      readJourney(route.file)
        .then((r) => {
          const doc = check(r.journey);
          // Validated while the editor lays it out and draws it (a large journey takes the backend a moment).
          if (live) validateEarly(doc);
          done({ key, doc, file: r.file ?? route.file, revision: r.revision });
        })
        .catch(fail);
    } else if (route.kind === 'template') {
      listTemplates()
        .then((ts) => {
          const t = ts.find((x) => x.id === route.id);
          if (!t) fail(new Error(`There is no template “${route.id}”`));
          else done({ key, doc: check(structuredClone(t.journey)), file: null });
        })
        .catch(fail);
    } else if (route.kind === 'new') {
      done({ key, doc: blankJourney(), file: null });
    }
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  // The start screen drops the journey last opened (opening it again reads it afresh). Set while
  // rendering, not in an effect: React re-renders at once, before anything is drawn.
  if (route.kind === 'start' && loaded !== null) setLoaded(null);

  useEffect(() => {
    if (workspace && loaded && 'doc' in loaded && loaded.file) rememberFile(workspace.dir, loaded.file, loaded.doc.name || loaded.doc.id);
  }, [workspace, loaded]);

  const onDirtyChange = useCallback((d: boolean) => {
    dirty.current = d;
    setDirtyNow(d);
  }, []);

  const onFileChanged = useCallback((file: string) => {
    const hash = journeyRoute(file);
    silentHash.current = hash;
    window.location.hash = hash;
  }, []);

  const onOpenFile = useCallback((file: string) => {
    window.location.hash = journeyRoute(file);
  }, []);

  const [startDialog, setStartDialog] = useState(false);
  const changeFolder = useCallback(async () => {
    if (!workspace) return;
    try {
      const dir = await nativePickFolder(workspace.dir);
      if (dir) setWorkspace(await openFolder(dir));
    } catch (e) {
      window.alert(e instanceof Error ? e.message : String(e));
    }
  }, [workspace, setWorkspace]);
  const openFromStart = useCallback(async () => {
    if (workspace?.desktop) {
      try {
        const f = await nativeOpen(workspace.dir);
        if (f) onOpenFile(f);
      } catch (e) {
        window.alert(e instanceof Error ? e.message : String(e));
      }
    } else {
      setStartDialog(true);
    }
  }, [workspace, onOpenFile]);

  if (route.kind === 'start') {
    return (
      <>
        <StartScreen workspace={workspace} onOpen={() => void openFromStart()} onChangeFolder={() => void changeFolder()} />
        {startDialog && workspace && (
          <StartOpenDialog
            folder={workspace.dir}
            onCancel={() => setStartDialog(false)}
            onChoose={(f) => {
              setStartDialog(false);
              onOpenFile(f);
            }}
          />
        )}
      </>
    );
  }
  if (!loaded || loaded.key !== key) {
    return (
      <div className="loading" data-testid="loading">
        Opening…
      </div>
    );
  }
  if ('error' in loaded) {
    return (
      <main className="start">
        <div className="empty" data-testid="open-error">
          <div className="empty__title">This journey could not be opened</div>
          <p className="empty__text">{loaded.error}</p>
          <a className="btn btn--primary" href="#/">
            Back to all journeys
          </a>
        </div>
      </main>
    );
  }
  return (
    <EditorScreen
      key={loaded.key}
      initial={loaded.doc}
      file={loaded.file}
      revision={loaded.revision}
      workspace={workspace}
      onFileChanged={onFileChanged}
      onDirtyChange={onDirtyChange}
      onOpenFile={onOpenFile}
    />
  );
}

function StartOpenDialog({ folder, onCancel, onChoose }: { folder: string; onCancel: () => void; onChoose: (f: string) => void }) {
  return <FileDialog mode="open" folder={folder} initialName="" onCancel={onCancel} onChoose={onChoose} />;
}
