/**
 * Native dialogs in the desktop app (@tauri-apps/plugin-dialog). Loaded lazily so that the
 * browser build never touches the plugin. Paths come back absolute and are made relative to
 * the workspace folder, which is all the backend accepts.
 */
import { JOURNEY_SUFFIX, relativeTo } from './paths';

export class OutsideFolderError extends Error {}

export async function nativeSaveAs(folder: string, suggested: string): Promise<string | null> {
  const { save } = await import('@tauri-apps/plugin-dialog');
  const path = await save({
    title: 'Save journey as',
    defaultPath: `${folder}/${suggested}`,
    filters: [{ name: 'Journey', extensions: ['json'] }],
  });
  if (!path) return null;
  let rel = relativeTo(folder, path);
  if (rel === null) throw new OutsideFolderError(`Choose a file inside ${folder}`);
  if (!rel.endsWith(JOURNEY_SUFFIX)) rel = rel.replace(/\.json$/, '') + JOURNEY_SUFFIX;
  return rel;
}

export async function nativeOpen(folder: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const path = await open({
    title: 'Open journey',
    defaultPath: folder,
    multiple: false,
    directory: false,
    filters: [{ name: 'Journey', extensions: ['json'] }],
  });
  if (!path || Array.isArray(path)) return null;
  const rel = relativeTo(folder, path);
  if (rel === null) throw new OutsideFolderError(`Choose a journey inside ${folder}`);
  return rel;
}

/** Asks before discarding changes: a native dialog in the app, confirm() in a browser. */
export async function confirmDiscard(message: string, desktop: boolean): Promise<boolean> {
  if (desktop) {
    try {
      const { ask } = await import('@tauri-apps/plugin-dialog');
      return await ask(message, { title: 'Unsaved changes', kind: 'warning', okLabel: 'Discard', cancelLabel: 'Keep editing' });
    } catch {
      // Fall through to the browser's confirm.
    }
  }
  return window.confirm(message);
}

/** Picks a folder of journeys (desktop only). */
export async function nativePickFolder(current: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const path = await open({ title: 'Open a folder of journeys', defaultPath: current, directory: true, multiple: false });
  return typeof path === 'string' ? path : null;
}
