import { useState } from 'react';
import { DraftInput } from './DraftInput';
import { IconButton } from './Section';

export function KeyValueRows({
  rows: docRows,
  onChange,
  testPrefix,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
  addTestId,
}: {
  rows: [string, string][];
  onChange: (rows: [string, string][]) => void;
  testPrefix: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  addLabel: string;
  addTestId: string;
}) {
  // Rows being typed (no name yet) live here until they have a name; the document only ever
  // receives named rows. An outside change (undo) resets the local rows.
  const [rows, setRows] = useState(docRows);
  const named = (r: [string, string][]) => r.filter(([k]) => k.trim() !== '');
  const docKey = JSON.stringify(docRows);
  // Adjusted while rendering when the document's rows change (React re-renders at once).
  const [seenDocKey, setSeenDocKey] = useState(docKey);
  if (docKey !== seenDocKey) {
    setSeenDocKey(docKey);
    if (JSON.stringify(named(rows)) !== docKey) setRows(JSON.parse(docKey) as [string, string][]);
  }
  const update = (r: [string, string][]) => {
    setRows(r);
    if (JSON.stringify(named(r)) !== docKey) onChange(named(r));
  };
  return (
    <>
      {rows.map(([k, v], i) => (
        <div key={i} className="row-editor">
          <div className="row-editor__cells">
            <DraftInput
              className="input mono"
              testId={`${testPrefix}-${i}-key`}
              ariaLabel="Name"
              value={k}
              placeholder={keyPlaceholder}
              onText={(key) => update(rows.map((r, j) => (j === i ? [key, r[1]] : r)))}
            />
            <DraftInput
              className="input"
              testId={`${testPrefix}-${i}-value`}
              ariaLabel="Value"
              value={v}
              placeholder={valuePlaceholder}
              onText={(value) => update(rows.map((r, j) => (j === i ? [r[0], value] : r)))}
            />
          </div>
          <IconButton label="Remove" onClick={() => update(rows.filter((_, j) => j !== i))}>
            ×
          </IconButton>
        </div>
      ))}
      <button type="button" className="link-btn small" data-testid={addTestId} onClick={() => setRows([...rows, ['', '']])}>
        {addLabel}
      </button>
    </>
  );
}
