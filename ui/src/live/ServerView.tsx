/**
 * A server's numbers for this journey, beside the bundled engine's: `server_stats` (per version:
 * entered, waiting, outcomes, goal conversion, messages per channel; per step: entered, waiting,
 * messages) and one contact's step log there (`server_timeline`, shown in the simulator's
 * timeline). Both go through the backend, which calls the server's /v1 API with a read token —
 * kept in the desktop app's keyring when asked, in this view's memory in the browser.
 */
import { useEffect, useState } from 'react';
import { serverStats, serverTimeline, serverTokens } from '../api/backend';
import type { JourneyDoc, JourneyStats, LiveTimeline, ServerTarget, ServerTokens } from '../api/types';
import { stepName } from '../model/transform';
import { Timeline } from '../simulate/SimResults';
import { channelName } from '../model/channels';
import { SERVER_URL_KEY, STATUS_LABELS, percent } from './live';

function savedUrl(): string {
  try {
    return window.localStorage.getItem(SERVER_URL_KEY) ?? '';
  } catch {
    return '';
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export default function ServerView(props: { journey: JourneyDoc; onSelectNode: (id: string) => void }) {
  const { journey, onSelectNode } = props;
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState(savedUrl);
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(true);
  const [kept, setKept] = useState<ServerTokens | null>(null);
  const [stats, setStats] = useState<JourneyStats | null>(null);
  const [contact, setContact] = useState('');
  const [timeline, setTimeline] = useState<LiveTimeline | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open || !/^https?:\/\/./.test(url.trim())) return;
    let cancelled = false;
    serverTokens(url.trim())
      .then((t) => !cancelled && setKept(t))
      .catch(() => !cancelled && setKept(null));
    return () => {
      cancelled = true;
    };
  }, [open, url]);

  const server = (): ServerTarget => {
    const t = token.trim();
    return t ? { url: url.trim(), token: t, remember: remember && kept?.store === 'keyring' } : { url: url.trim() };
  };

  const load = async () => {
    setBusy(true);
    setNote(null);
    try {
      setStats(await serverStats(server(), journey.id));
      if (contact.trim()) {
        const all = await serverTimeline(server(), contact.trim());
        const mine = (all.journeys as Record<string, LiveTimeline> | undefined)?.[journey.id] ?? null;
        setTimeline(mine);
        if (!mine) setNote(`${contact.trim()} has no steps in this journey on the server.`);
      } else {
        setTimeline(null);
      }
    } catch (e) {
      setNote(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="sim-section" data-testid="live-server">
      <button type="button" className="sim-collapse" aria-expanded={open} data-testid="live-server-toggle" onClick={() => setOpen((o) => !o)}>
        <span className="sim-chevron" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="sim-heading sim-grow">On a server</span>
        {url && <span className="sim-muted sim-mono">{url}</span>}
      </button>
      {open && (
        <form
          className="sim-grid2"
          onSubmit={(e) => {
            e.preventDefault();
            void load();
          }}
        >
          <label className="sim-field">
            <span className="sim-label">Server URL</span>
            <input className="sim-input" type="url" data-testid="live-server-url" value={url} placeholder="https://journeys.example.com" onChange={(e) => setUrl(e.target.value)} required />
          </label>
          <label className="sim-field">
            <span className="sim-label">Read token</span>
            <input
              className="sim-input"
              type="password"
              autoComplete="off"
              data-testid="live-server-token"
              value={token}
              placeholder={kept?.read ? 'Kept in your keyring' : 'itinera token create --scope read'}
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
          <label className="sim-field">
            <span className="sim-label">Contact (optional)</span>
            <input className="sim-input sim-mono" data-testid="live-server-contact" value={contact} onChange={(e) => setContact(e.target.value)} />
          </label>
          <div className="sim-row">
            {kept?.store === 'keyring' && (
              <label className="sim-small">
                <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Keep the token in the keyring
              </label>
            )}
            <button type="submit" className="sim-button sim-primary" data-testid="live-server-load" disabled={busy || !url.trim()}>
              {busy ? 'Asking…' : 'Show'}
            </button>
          </div>
        </form>
      )}
      {open && note && (
        <p className="sim-note sim-note-error" data-testid="live-server-note">
          {note}
        </p>
      )}
      {open && stats && (
        <div data-testid="live-server-stats">
          {[...stats.versions].reverse().map((v) => (
            <div key={v.version} className="live-server-version" data-testid={`live-server-version-${v.version}`}>
              <p>
                <strong>Version {v.version}</strong> <span className={`sim-badge live-status-${v.status}`}>{STATUS_LABELS[v.status]}</span>{' '}
                <span data-testid="live-server-entered">{v.entered.toLocaleString('en')} entered</span>, {v.waiting.toLocaleString('en')} waiting, goal{' '}
                {percent(v.goal_conversion)}
              </p>
              {Object.keys(v.messages).length > 0 && (
                <p className="sim-small">
                  {Object.entries(v.messages)
                    .map(([ch, m]) => `${channelName(ch)}: ${m.sent} sent, ${m.delivered} delivered, ${m.read} read, ${m.failed} failed`)
                    .join(' · ')}
                </p>
              )}
              <table className="live-server-nodes">
                <thead>
                  <tr>
                    <th>Step</th>
                    <th>Entered</th>
                    <th>Waiting</th>
                    <th>Messages</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(v.nodes).map(([node, n]) => (
                    <tr key={node} data-testid="live-server-node" data-node={node}>
                      <td>
                        <button type="button" className="sim-link" onClick={() => onSelectNode(node)}>
                          {stepName(journey.nodes.find((x) => x.id === node), node)}
                        </button>
                      </td>
                      <td>{n.entered.toLocaleString('en')}</td>
                      <td>{n.waiting.toLocaleString('en')}</td>
                      <td>
                        {Object.values(n.messages)
                          .map((m) => `${m.sent} sent / ${m.delivered} delivered`)
                          .join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      )}
      {open && timeline && <Timeline contact={timeline} zone={null} onSelectNode={onSelectNode} onClose={() => setTimeline(null)} />}
    </section>
  );
}
