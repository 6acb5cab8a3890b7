/**
 * The start screen: the folder's journeys, recent files, "New journey" and the template
 * gallery. Every entry is a link to a hash route.
 */
import { useEffect, useState } from 'react';
import { listJourneys, listTemplates } from '../api/backend';
import type { JourneyListing, TemplateListing, WorkspaceInfo } from '../api/types';
import { KindIcon } from '../canvas/icons';
import { KIND_COLORS } from '../canvas/kinds';
import { journeyRoute } from '../files/paths';
import { recentFiles, RECENT_LIMIT } from '../files/recent';
import { kindOf } from '../model/palette';

function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function TemplateCard({ t }: { t: TemplateListing }) {
  const nodes = Array.isArray(t.journey?.nodes) ? t.journey.nodes : [];
  const kinds = [...new Set(nodes.map((n) => kindOf(n as { type: string; channel?: unknown })))].slice(0, 7);
  return (
    <a className="card template-card" href={`#/template/${encodeURIComponent(t.id)}`} data-testid={`template-card-${t.id}`}>
      <div className="template-card__kinds">
        {kinds.map((k) => (
          <span key={k} className="template-card__kind" style={{ background: KIND_COLORS[k] }}>
            <KindIcon kind={k} size={12} />
          </span>
        ))}
      </div>
      <div className="card__title">{t.name}</div>
      <p className="card__text">{t.description}</p>
      <div className="card__meta">{nodes.length} steps</div>
    </a>
  );
}

export default function StartScreen({
  workspace,
  onOpen,
  onChangeFolder,
}: {
  workspace: WorkspaceInfo | null;
  onOpen: () => void;
  /** Desktop only: pick another folder (the list reloads when `workspace` changes). */
  onChangeFolder?: () => void;
}) {
  const [journeys, setJourneys] = useState<JourneyListing[] | null>(null);
  const [templates, setTemplates] = useState<TemplateListing[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listJourneys().then(setJourneys, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [workspace?.dir]);
  useEffect(() => {
    listTemplates().then(setTemplates, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  const recent = workspace ? recentFiles(workspace.dir).slice(0, RECENT_LIMIT) : [];
  const existing = new Set((journeys ?? []).map((j) => j.file));
  return (
    <main className="start" data-testid="start-screen">
      <header className="start__head">
        <div>
          <h1 className="start__title">
            <span className="logo" aria-hidden="true">
              ◆
            </span>{' '}
            Itinera
          </h1>
          <p className="muted">
            Design customer journeys across SMS, WhatsApp and email{workspace ? ' · ' : ''}
            {workspace && <code className="mono">{workspace.dir}</code>}
          </p>
        </div>
        <div className="start__actions">
          {workspace?.desktop && onChangeFolder && (
            <button type="button" className="btn btn--ghost" data-testid="change-folder" onClick={onChangeFolder}>
              Change folder…
            </button>
          )}
          <button type="button" className="btn" data-testid="open" onClick={onOpen}>
            Open…
          </button>
          <a className="btn btn--primary" href="#/new" data-testid="new-journey">
            + New journey
          </a>
        </div>
      </header>
      {error && <div className="banner banner--error">The backend did not answer: {error}</div>}
      <div className="start__grid">
        <section className="start__section">
          <h2 className="start__h2">Journeys in this folder</h2>
          {journeys === null && !error && <div className="muted">Loading…</div>}
          {journeys?.length === 0 && (
            <div className="empty empty--inline">
              <div className="empty__title">No journeys yet</div>
              <p className="empty__text">Start from a template below, or create a new journey and save it here.</p>
            </div>
          )}
          <ul className="file-rows">
            {journeys?.map((j) => (
              <li key={j.file}>
                <a className="file-row" href={journeyRoute(j.file)} data-testid={`journey-file-${j.file}`}>
                  <span className="file-row__name">{j.name || j.id || j.file}</span>
                  <code className="file-row__file mono">{j.file}</code>
                  <span className={`pill ${j.error ? 'pill--error' : j.valid ? 'pill--ok' : 'pill--error'}`} title={j.error}>
                    {j.error ? 'unreadable' : j.valid ? (j.warnings ? `valid · ${j.warnings} warnings` : 'valid') : `${j.errors ?? '?'} errors`}
                  </span>
                  <span className="file-row__when muted small">{when(j.modified)}</span>
                </a>
              </li>
            ))}
          </ul>
          {recent.length > 0 && (
            <>
              <h2 className="start__h2">Recent</h2>
              <ul className="file-rows">
                {recent.map((r) => (
                  <li key={r.file}>
                    <a className="file-row file-row--recent" href={journeyRoute(r.file)} data-testid={`recent-file-${r.file}`}>
                      <span className="file-row__name">{r.name || r.file}</span>
                      <code className="file-row__file mono">{r.file}</code>
                      {journeys && !existing.has(r.file) && <span className="pill pill--muted">missing</span>}
                      <span className="file-row__when muted small">{when(r.at)}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section className="start__section">
          <h2 className="start__h2">Start from a template</h2>
          <div className="template-grid">
            {templates === null && !error && <div className="muted">Loading…</div>}
            {templates?.map((t) => <TemplateCard key={t.id} t={t} />)}
            <a className="card template-card template-card--blank" href="#/new" data-testid="new-journey-card">
              <div className="card__title">Blank journey</div>
              <p className="card__text">An empty canvas: drag a trigger from the palette to begin.</p>
            </a>
          </div>
        </section>
      </div>
    </main>
  );
}
