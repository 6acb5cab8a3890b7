/**
 * "Find a step" (Ctrl+F): type part of an id, a kind or a message; Enter selects and centres
 * the first match, arrows move through the matches.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { StepNode } from '../model/canvas';
import { kindOf } from '../model/palette';
import { nodeSummary } from '../model/summary';
import { KIND_LABELS } from './kinds';

const LIMIT = 8;

function FindStep({ nodes, onPick, onClose }: { nodes: StepNode[]; onPick: (id: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const out: { id: string; label: string; summary: string }[] = [];
    for (const n of nodes) {
      const kind = KIND_LABELS[kindOf(n.data.doc as { type: string; channel?: unknown })];
      const summary = nodeSummary(n.data.doc);
      if (n.id.toLowerCase().includes(q) || kind.toLowerCase().includes(q) || summary.toLowerCase().includes(q)) {
        out.push({ id: n.id, label: kind, summary });
        if (out.length >= LIMIT) break;
      }
    }
    return out;
  }, [nodes, query]);
  const pick = (i: number) => {
    const m = matches[i];
    if (m) onPick(m.id);
  };
  return (
    <div className="find" data-testid="find-step">
      <input
        ref={input}
        className="input"
        data-testid="find-step-input"
        placeholder="Find a step: id, kind or text…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setIndex(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'ArrowDown') {
            e.preventDefault();
            setIndex((i) => Math.min(i + 1, matches.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setIndex((i) => Math.max(i - 1, 0));
          } else if (e.key === 'Enter') pick(index);
        }}
      />
      {query.trim() && (
        <ul className="find__list">
          {matches.length === 0 && <li className="muted small find__none">No step matches</li>}
          {matches.map((m, i) => (
            <li key={m.id}>
              <button type="button" className={`find__item${i === index ? ' find__item--on' : ''}`} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(i)}>
                <span className="mono">{m.id}</span> <span className="muted small">{m.label} · {m.summary}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export default memo(FindStep);
