/**
 * Rows of name → value editing a JSON object: an update's attributes and a webhook's headers in
 * the inspector, a test contact's attributes and an event's data in the Simulate panel.
 *
 * The rows are held here while they are typed and the object is rebuilt from them on every
 * edit, so a row without a name yet never reaches the document (with `newRows: 'unnamed'`)
 * and a half-typed name or value is never rewritten under the cursor. An outside change of the
 * object (undo, another field) resets the rows. Two rows with one name: the last one's value.
 */
import { Fragment, useState, type ReactNode } from 'react';
import type { Json } from '../api/types';
import { DraftInput } from './DraftInput';
import { formatScalar, parseScalar } from './scalars';

/** The class names of each look (the inspector's form controls, the Simulate panel's). */
const LOOKS = {
  form: {
    list: undefined,
    row: 'row-editor',
    cells: 'row-editor__cells',
    key: 'input mono',
    value: 'input',
    remove: 'icon-btn',
    note: 'field__hint',
    noteError: 'field__error',
    foot: undefined,
    add: 'link-btn small',
  },
  sim: {
    list: 'sim-kv',
    row: 'sim-row',
    cells: undefined,
    key: 'sim-input sim-w-key',
    value: 'sim-input sim-grow',
    remove: 'sim-icon-button',
    note: 'sim-note sim-local-time',
    noteError: 'sim-note sim-local-time sim-note-error',
    foot: 'sim-row',
    add: 'sim-button sim-quiet sim-small',
  },
} as const;

/** One row as typed; `json`: its value was an object or array, and is edited as JSON. */
interface Row {
  key: string;
  text: string;
  json: boolean;
}

export interface KeyValueRowsProps {
  value: Record<string, Json>;
  onChange: (value: Record<string, Json>) => void;
  /**
   * How a value's text becomes JSON: `scalar` reads numbers, true/false/null and "quoted" text
   * (`parseScalar`); `text` keeps it as typed (HTTP headers).
   */
  values?: 'scalar' | 'text';
  /** A new row starts without a name (and stays out of the object until it has one), or is named `key`, `key2`... at once. */
  newRows?: 'unnamed' | 'named';
  /** Test ids: `TESTID` on each row, `TESTID-I-key` and `TESTID-I-value` on its inputs, `TESTID-resolved` on its note. */
  testid: string;
  addTestId?: string;
  addLabel?: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  /** A line under a value's row (a local time's resolution, or why it does not read). */
  describe?: (key: string, value: Json) => { ok: boolean; text: string } | null;
  /** More buttons next to the add button. */
  extra?: ReactNode;
  look?: keyof typeof LOOKS;
}

function isComplex(v: Json | undefined): boolean {
  return v !== null && typeof v === 'object';
}

function rowsOf(value: Record<string, Json>, values: 'scalar' | 'text'): Row[] {
  return Object.entries(value).map(([key, v]) => ({
    key,
    text: values === 'text' && typeof v === 'string' ? v : formatScalar(v),
    json: isComplex(v),
  }));
}

function objectOf(rows: Row[], values: 'scalar' | 'text'): Record<string, Json> {
  const entries: [string, Json][] = [];
  for (const r of rows) {
    if (r.key.trim() === '') continue;
    let v: Json = values === 'text' ? r.text : parseScalar(r.text);
    if (r.json) {
      try {
        v = JSON.parse(r.text) as Json;
      } catch {
        v = r.text;
      }
    }
    entries.push([r.key, v]);
  }
  // Own properties whatever the names (`__proto__` included); a repeated name keeps the last value.
  return Object.fromEntries(entries);
}

export function KeyValueRows(props: KeyValueRowsProps) {
  const { value, onChange, values = 'scalar', newRows = 'unnamed', testid, addTestId, addLabel, keyPlaceholder, valuePlaceholder, describe, extra } = props;
  const look = LOOKS[props.look ?? 'form'];
  const [rows, setRows] = useState(() => rowsOf(value, values));
  const docKey = JSON.stringify(value);
  // Adjusted while rendering when the object changes (React re-renders at once): an outside
  // change resets the rows, one made from these rows keeps them as typed.
  const [seenDocKey, setSeenDocKey] = useState(docKey);
  if (docKey !== seenDocKey) {
    setSeenDocKey(docKey);
    if (JSON.stringify(objectOf(rows, values)) !== docKey) setRows(rowsOf(value, values));
  }
  const update = (next: Row[]) => {
    setRows(next);
    const obj = objectOf(next, values);
    if (JSON.stringify(obj) !== docKey) onChange(obj);
  };
  const add = () => {
    if (newRows === 'unnamed') {
      setRows([...rows, { key: '', text: '', json: false }]);
      return;
    }
    const used = new Set(rows.map((r) => r.key));
    let key = 'key';
    for (let i = 2; used.has(key); i++) key = `key${i}`;
    update([...rows, { key, text: '', json: false }]);
  };
  return (
    <div className={look.list}>
      {rows.map((r, i) => {
        const note = describe && Object.hasOwn(value, r.key) ? describe(r.key, value[r.key]) : null;
        const inputs = (
          <>
            <DraftInput
              className={look.key}
              testId={`${testid}-${i}-key`}
              ariaLabel="Name"
              value={r.key}
              placeholder={keyPlaceholder}
              onText={(key) => update(rows.map((x, j) => (j === i ? { ...x, key } : x)))}
            />
            <DraftInput
              className={look.value}
              testId={`${testid}-${i}-value`}
              ariaLabel={r.key ? `Value of ${r.key}` : 'Value'}
              value={r.text}
              placeholder={valuePlaceholder}
              onText={(text) => update(rows.map((x, j) => (j === i ? { ...x, text } : x)))}
            />
          </>
        );
        const label = r.key ? `Remove ${r.key}` : 'Remove';
        return (
          <Fragment key={i}>
            <div className={look.row} data-testid={testid}>
              {look.cells ? <div className={look.cells}>{inputs}</div> : inputs}
              <button type="button" className={look.remove} aria-label={label} title={label} onClick={() => update(rows.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
            {note && (
              <p className={note.ok ? look.note : look.noteError} data-testid={`${testid}-resolved`} data-ok={note.ok}>
                {note.ok ? `→ ${note.text}` : note.text}
              </p>
            )}
          </Fragment>
        );
      })}
      <div className={look.foot}>
        <button type="button" className={look.add} data-testid={addTestId} onClick={add}>
          {addLabel ?? '+ Add'}
        </button>
        {extra}
      </div>
    </div>
  );
}
