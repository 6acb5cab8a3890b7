/**
 * Publish: the backend's dry run first (`publish_journey` with `dry_run`), shown as the change
 * impact — which version this makes, who is waiting in running versions and whether the new one
 * keeps their step — then, when confirmed, the real publish (optionally moving the waiting
 * contacts whose step is kept). Nothing is decided here: the numbers are the backend's.
 *
 * "To a server…" does the same against an `itinera serve` (`server_publish`: the server's own
 * dry run and publish, with a publish token). The desktop app can keep the token in the OS
 * keyring; the browser editor keeps it in this dialog only. The server's URL (not a secret) is
 * remembered in the browser's storage.
 */
import { useEffect, useState } from 'react';
import { BackendError, publishJourney, serverPublish, serverTokens } from '../api/backend';
import type { Diagnostic, EngineInfo, JourneyDoc, PublishAnswer, ServerTarget, ServerTokens } from '../api/types';
import { SERVER_URL_KEY, canMigrate, impactLines } from './live';
import './live.css';

export interface PublishDialogProps {
  journey: JourneyDoc;
  engine: EngineInfo | null;
  onClose: () => void;
  /** Published (or already live): the answer of the real publish, or the dry run when unchanged. */
  onPublished: (answer: PublishAnswer) => void;
}

function savedServerUrl(): string {
  try {
    return window.localStorage.getItem(SERVER_URL_KEY) ?? '';
  } catch {
    return '';
  }
}

function failure(e: unknown): { message: string; diagnostics: Diagnostic[] } {
  return { message: e instanceof Error ? e.message : String(e), diagnostics: e instanceof BackendError ? (e.diagnostics ?? []) : [] };
}

export default function PublishDialog({ journey, engine, onClose, onPublished }: PublishDialogProps) {
  const [target, setTarget] = useState<'engine' | 'server'>(engine?.db ? 'engine' : 'server');
  const [dry, setDry] = useState<PublishAnswer | null>(null);
  const [error, setError] = useState<{ message: string; diagnostics: Diagnostic[] } | null>(null);
  const [migrate, setMigrate] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [url, setUrl] = useState(savedServerUrl);
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(true);
  const [kept, setKept] = useState<ServerTokens | null>(null);
  const [checking, setChecking] = useState(false);
  const [published, setPublished] = useState<PublishAnswer | null>(null);

  useEffect(() => {
    if (target !== 'engine') return;
    let cancelled = false;
    publishJourney(journey, { dry_run: true })
      .then((answer) => {
        if (!cancelled) setDry(answer);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(failure(e));
      });
    return () => {
      cancelled = true;
    };
  }, [journey, target]);

  useEffect(() => {
    if (target !== 'server' || !/^https?:\/\/./.test(url.trim())) return;
    let cancelled = false;
    serverTokens(url.trim())
      .then((answer) => {
        if (!cancelled) setKept(answer);
      })
      .catch(() => {
        if (!cancelled) setKept(null);
      });
    return () => {
      cancelled = true;
    };
  }, [target, url]);

  const server = (): ServerTarget => {
    const t = token.trim();
    return t ? { url: url.trim(), token: t, remember: remember && kept?.store === 'keyring' } : { url: url.trim() };
  };

  const check = async () => {
    setChecking(true);
    setDry(null);
    setError(null);
    try {
      const answer = await serverPublish(server(), journey, { dry_run: true });
      try {
        window.localStorage.setItem(SERVER_URL_KEY, url.trim());
      } catch {
        // Storage refused (private window): the URL is simply not remembered.
      }
      setDry(answer);
    } catch (e) {
      setError(failure(e));
    } finally {
      setChecking(false);
    }
  };

  const switchTo = (next: 'engine' | 'server') => {
    setTarget(next);
    setDry(null);
    setError(null);
    setMigrate(false);
  };

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
      if (target === 'engine') {
        onPublished(await publishJourney(journey, { migrate }));
      } else {
        setPublished(await serverPublish(server(), journey, { migrate }));
        setPublishing(false);
      }
    } catch (e) {
      setError(failure(e));
      setPublishing(false);
    }
  };

  const name = journey.name || journey.id;
  const lines = dry ? impactLines(dry.impact, journey, migrate) : [];
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal--wide" role="dialog" aria-modal="true" aria-label="Publish" data-testid="publish-dialog">
        <h2 className="modal__title">Publish “{name}”</h2>
        <div className="publish-target" role="radiogroup" aria-label="Where to publish">
          <label>
            <input type="radio" name="publish-target" data-testid="publish-target-engine" checked={target === 'engine'} onChange={() => switchTo('engine')} />{' '}
            This app's engine
          </label>
          <label>
            <input type="radio" name="publish-target" data-testid="publish-target-server" checked={target === 'server'} onChange={() => switchTo('server')} />{' '}
            A server…
          </label>
        </div>
        {target === 'engine' && engine?.db && (
          <p className="muted small" data-testid="publish-db">
            To the bundled engine: <span className="mono">{engine.db}</span>
          </p>
        )}
        {target === 'server' && (
          <form
            className="publish-server"
            data-testid="publish-server"
            onSubmit={(e) => {
              e.preventDefault();
              void check();
            }}
          >
            <label>
              Server URL
              <input
                type="url"
                data-testid="publish-server-url"
                placeholder="https://journeys.example.com"
                value={url}
                onChange={(e) => {
                  setUrl(e.target.value);
                  setDry(null);
                }}
                required
              />
            </label>
            <label>
              Publish token
              <input
                type="password"
                autoComplete="off"
                data-testid="publish-server-token"
                placeholder={kept?.publish ? 'Kept in your keyring' : 'itinera token create --scope publish'}
                value={token}
                onChange={(e) => setToken(e.target.value)}
              />
            </label>
            {kept?.store === 'keyring' && (
              <label className="publish-remember">
                <input type="checkbox" data-testid="publish-server-remember" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Keep
                the token in the system keyring
              </label>
            )}
            <button type="submit" className="btn" data-testid="publish-server-check" disabled={checking || !url.trim()}>
              {checking ? 'Asking the server…' : 'Check what publishing changes'}
            </button>
          </form>
        )}
        {published && (
          <p className="publish-done" data-testid="publish-server-done">
            Published to {url.trim()}: version {published.version}
            {published.changed ? '' : ' (it was already live)'}.
          </p>
        )}
        {target === 'engine' && !dry && !error && <p data-testid="publish-checking">Checking what publishing changes…</p>}
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
            {dry?.unchanged || published ? 'Close' : 'Cancel'}
          </button>
          {dry && !dry.unchanged && !published && (
            <button type="button" className="btn btn--primary" data-testid="publish-confirm" disabled={publishing} onClick={() => void publish()} autoFocus>
              {publishing ? 'Publishing…' : `Publish version ${dry.version}`}
            </button>
          )}
          {dry?.unchanged && target === 'engine' && (
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
