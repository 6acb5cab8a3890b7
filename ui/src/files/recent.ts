/** Recently opened journeys, per workspace folder (localStorage). */

export interface RecentFile {
  dir: string;
  file: string;
  name: string;
  at: string;
}

const KEY = 'itinera.recent';
const LIMIT = 8;

export function recentFiles(dir: string): RecentFile[] {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) ?? '[]') as RecentFile[];
    return Array.isArray(all) ? all.filter((r) => r && r.dir === dir && typeof r.file === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberFile(dir: string, file: string, name: string): void {
  try {
    const all = (JSON.parse(localStorage.getItem(KEY) ?? '[]') as RecentFile[]).filter((r) => !(r.dir === dir && r.file === file));
    all.unshift({ dir, file, name, at: new Date().toISOString() });
    localStorage.setItem(KEY, JSON.stringify(all.slice(0, LIMIT * 4)));
  } catch {
    // Storage unavailable: no recent list.
  }
}

export function forgetFile(dir: string, file: string): void {
  try {
    const all = (JSON.parse(localStorage.getItem(KEY) ?? '[]') as RecentFile[]).filter((r) => !(r.dir === dir && r.file === file));
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage unavailable.
  }
}

export const RECENT_LIMIT = LIMIT;
