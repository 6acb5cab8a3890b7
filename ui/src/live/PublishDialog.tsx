/**
 * Publish: the backend's dry run first (`publish_journey` with `dry_run`), shown as the change
 * impact — which version this makes, who is waiting in running versions and whether the new one
 * keeps their step — then, when confirmed, the real publish (optionally moving the waiting
 * contacts whose step is kept). Nothing is decided here: the numbers are the backend's.
 */
import { useEffect, useState } from 'react';
import { BackendError, publishJourney } from '../api/backend';
import type { Diagnostic, EngineInfo, JourneyDoc, PublishAnswer } from '../api/types';
import { canMigrate, impactLines } from './live';
import './live.css';

export interface PublishDialogProps {
  journey: JourneyDoc;
  engine: EngineInfo | null;
  onClose: () => void;
  /** Published (or already live): the answer of the real publish, or the dry run when unchanged. */
  onPublished: (answer: PublishAnswer) => void;
}

export default function PublishDialog({ journey, engine, onClose, onPublished }: PublishDialogProps) {
  const [dry, setDry] = useState<PublishAnswer | null>(null);
  const [error, setError] = useState<{ message: string; diagnostics: Diagnostic[] } | null>(null);
  const [migrate, setMigrate] = useState(false);
  const [publishing, setPublishing] = useState(false);

  useEffect(() => {
    let cancelled = false;
    publishJourney(journey, { dry_run: true })
      .then((answer) => {
        if (!cancelled) setDry(answer);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError({ message: e instanceof Error ? e.message : String(e), diagnostics: e instanceof BackendError ? (e.diagnostics ?? []) : [] });
      });
    return () => {
      cancelled = true;
    };
  }, [journey]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const publish = async () => {
    setPublishing(true);
    try {
      const answer = await publishJourney(journey, { migrate });
      onPublished(answer);
    } catch (e) {
      setError({ message: e instanceof Error ? e.message : String(e), diagnostics: e instanceof BackendError ? (e.diagnostics ?? []) : [] });
      setPublishing(false);
    }
  };

  const name = journey.name || journey.id;
  const lines = dry ? impactLines(dry.impact, journey, migrate) : [];
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal--wide" role="dialog" aria-modal="true" aria-label="Publish" data-testid="publish-dialog">
        <h2 className="modal__title">Publish “{name}”</h2>
        {engine?.db && (
          <p className="muted small" data-testid="publish-db">
            To the bundled engine: <span className="mono">{engine.db}</span>
          </p>
        )}
        {!dry && !error && <p data-testid="publish-checking">Checking what publishing changes…</p>}
        {error && (
          <div className="publish-error" data-testid="publish-error">
            <p>Cannot publish: {error.message}</p>
            {error.diagnostics.filter((d) => d.severity === 'error').length > 0 && (
              <ul>
                {error.diagnostics
                  .filter((d) => d.severity === 'error')
                  .map((d, i) => (
                    <li key={i}>{d.message}</li>
                  ))}
              </ul>
            )}
          </div>
        )}
        {dry && dry.unchanged && (
          <p data-testid="publish-unchanged">This journey is already live as version {dry.version}: there is nothing new to publish.</p>
        )}
        {dry && !dry.unchanged && (
          <>
            <p data-testid="publish-summary">
              {dry.version === 1
                ? 'This starts the journey: from now on, every matching event enters a contact into it.'
                : `This makes version ${dry.version}. New contacts enter it; contacts already inside earlier versions carry on where they are unless you move them.`}
            </p>
            <h3 className="publish-impact-title">Who is affected</h3>
            {lines.length === 0 ? (
              <p className="muted" data-testid="publish-impact-none">
                Nobody is waiting in an earlier version.
              </p>
            ) : (
              <ul className="publish-impact" data-testid="publish-impact">
                {lines.map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
              </ul>
            )}
            {canMigrate(dry.impact) && (
              <label className="publish-migrate">
                <input type="checkbox" data-testid="publish-migrate" checked={migrate} onChange={(e) => setMigrate(e.target.checked)} /> Move contacts
                waiting at steps the new version keeps to the new version
              </label>
            )}
          </>
        )}
        <div className="modal__actions">
          <button type="button" className="btn" data-testid="publish-cancel" onClick={onClose}>
            {dry?.unchanged ? 'Close' : 'Cancel'}
          </button>
          {dry && !dry.unchanged && (
            <button type="button" className="btn btn--primary" data-testid="publish-confirm" disabled={publishing} onClick={() => void publish()} autoFocus>
              {publishing ? 'Publishing…' : `Publish version ${dry.version}`}
            </button>
          )}
          {dry?.unchanged && (
            <button type="button" className="btn btn--primary" data-testid="publish-show-live" onClick={() => onPublished(dry)} autoFocus>
              Show it live
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

export { PublishDialog };
