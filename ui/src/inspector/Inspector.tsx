/**
 * The inspector: the form of the selected step (id, type-specific fields, its problems).
 */
import { memo, useState } from 'react';
import type { Button, Diagnostic, JourneyDoc, NodeDoc } from '../api/types';
import { KindIcon } from '../canvas/icons';
import { KIND_COLORS, KIND_LABELS } from '../canvas/kinds';
import { kindOf } from '../model/palette';
import { TextField } from '../controls';
import { describeProblem } from '../problems/wording';
import { nodeIdError } from './formRules';
import { NODE_FORMS } from './forms';
import { NodeDiagnosticsContext } from './fieldDiagnostics';

export interface InspectorProps {
  node: NodeDoc | null;
  selectionCount: number;
  otherIds: string[];
  upstreamButtons: Button[];
  diagnostics: Diagnostic[];
  /** The journey being edited: problems read in the marketer's words, as in the problems panel. */
  journey?: JourneyDoc;
  onChange: (id: string, doc: NodeDoc, key: string) => void;
  onRename: (from: string, to: string) => boolean;
  onDelete: () => void;
}

function IdField({ id, otherIds, onRename }: { id: string; otherIds: string[]; onRename: (from: string, to: string) => boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? id;
  // A duplicate id (a duplicate_id error) is shown before any typing, so that it gets fixed here.
  const error = draft !== null && draft !== id ? nodeIdError(draft, otherIds) : otherIds.includes(id) ? `Another step is also called “${id}”: give this one its own id` : null;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label className="field__label" htmlFor="inspector-id">
        Step id
      </label>
      <input
        id="inspector-id"
        className={`input mono${error ? ' input--error' : ''}`}
        data-testid="field-id"
        value={text}
        spellCheck={false}
        onFocus={() => setDraft(id)}
        onChange={(e) => {
          const v = e.target.value;
          setDraft(v);
          // Renames as one types whenever the new id is usable; the edges follow.
          if (v !== id && nodeIdError(v, otherIds) === null) onRename(id, v);
        }}
        onBlur={() => setDraft(null)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === 'Escape') (e.target as HTMLInputElement).blur();
        }}
      />
      {error ? <div className="field__error">{error}</div> : <div className="field__hint">Used in edges, scenarios and reports</div>}
    </div>
  );
}

const SHOWN_PROBLEMS = 2;

function NodeProblems({ diagnostics, journey }: { diagnostics: Diagnostic[]; journey?: JourneyDoc }) {
  const [all, setAll] = useState(false);
  if (diagnostics.length === 0) return null;
  const shown = all ? diagnostics : diagnostics.slice(0, SHOWN_PROBLEMS);
  return (
    <ul className="inspector__problems" data-testid="inspector-problems">
      {shown.map((d, i) => (
        <li key={i} className={`problem-chip problem-chip--${d.severity}`}>
          <span className="problem-chip__code">{d.code}</span> {journey ? describeProblem(d, journey, diagnostics).text : d.message}
        </li>
      ))}
      {diagnostics.length > SHOWN_PROBLEMS && (
        <li>
          <button type="button" className="link-btn small" onClick={() => setAll((a) => !a)}>
            {all ? 'Show fewer' : `Show all ${diagnostics.length} problems`}
          </button>
        </li>
      )}
    </ul>
  );
}

function Inspector({ node, selectionCount, otherIds, upstreamButtons, diagnostics, journey, onChange, onRename, onDelete }: InspectorProps) {
  if (!node) {
    return (
      <div className="inspector inspector--empty" data-testid="inspector">
        <div className="empty">
          <div className="empty__title">{selectionCount > 1 ? `${selectionCount} steps selected` : 'No step selected'}</div>
          <p className="empty__text">
            {selectionCount > 1
              ? 'Press Delete to remove them, Ctrl+C to copy them, or click one step to edit it.'
              : 'Click a step on the canvas to edit it, or add one from the palette on the left.'}
          </p>
        </div>
      </div>
    );
  }
  const kind = kindOf(node as { type: string; channel?: unknown });
  const change = (doc: NodeDoc, key: string) => onChange(node.id, doc, key);
  const props = { onChange: change, upstreamButtons };
  const renderForm = NODE_FORMS.get(node.type);
  const form = renderForm ? (
    renderForm({ node, ...props })
  ) : (
    <>
      <p className="muted">This version of Itinera does not know the step type “{node.type}”. Its settings are kept as written:</p>
      <pre className="code">{JSON.stringify(node, null, 2)}</pre>
    </>
  );
  return (
    <div className="inspector" data-testid="inspector" data-node={node.id}>
      <header className="inspector__head">
        <span className="inspector__icon" style={{ background: KIND_COLORS[kind] }}>
          <KindIcon kind={kind} size={16} />
        </span>
        <div className="inspector__title">
          <div className="inspector__kind">{KIND_LABELS[kind]}</div>
          <div className="inspector__id mono">{node.id}</div>
        </div>
        <button type="button" className="btn btn--small btn--ghost danger" data-testid="delete-node" onClick={onDelete} title="Delete this step (Del)">
          Delete
        </button>
      </header>
      <NodeProblems diagnostics={diagnostics} journey={journey} />
      <TextField
        label="Name on the canvas"
        testId="field-label"
        value={typeof node.label === 'string' ? node.label : ''}
        placeholder={KIND_LABELS[kind]}
        hint="Optional; the step id below stays its name in files and reports"
        onChange={(label) => {
          if (label.trim() !== '') change({ ...node, label }, 'label');
          else {
            const { label: _drop, ...rest } = node;
            change(rest as NodeDoc, 'label');
          }
        }}
      />
      <IdField id={node.id} otherIds={otherIds} onRename={onRename} />
      <NodeDiagnosticsContext.Provider value={diagnostics}>
        <div key={`${node.id}:${node.type}`}>{form}</div>
      </NodeDiagnosticsContext.Provider>
    </div>
  );
}

export default memo(Inspector);
