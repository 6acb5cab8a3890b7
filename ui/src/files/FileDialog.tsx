/**
 * The in-app file dialog used in a plain browser (the desktop app uses native dialogs):
 * "save as" asks for a name inside the workspace folder, "open" lists its journeys.
 */
import { useEffect, useRef, useState } from 'react';
import { listJourneys } from '../api/backend';
import type { JourneyListing } from '../api/types';
import { journeyFileName } from './paths';

export function FileDialog({
  mode,
  folder,
  initialName,
  onCancel,
  onChoose,
}: {
  mode: 'save' | 'open';
  folder: string;
  initialName: string;
  onCancel: () => void;
  onChoose: (file: string) => void;
}) {
  const [name, setName] = useState(initialName);
  const [files, setFiles] = useState<JourneyListing[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    listJourneys().then(setFiles, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    input.current?.focus();
    input.current?.select();
  }, []);
  const file = journeyFileName(name);
  const exists = files?.some((f) => f.file === file) ?? false;
  const submit = () => {
    if (!file) return;
    if (mode === 'open' && files && !exists) {
      setError(`There is no ${file} in this folder`);
      return;
    }
    onChoose(file);
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={mode === 'save' ? 'Save journey as' : 'Open journey'} data-testid="file-dialog">
        <h2 className="modal__title">{mode === 'save' ? 'Save journey as' : 'Open a journey'}</h2>
        <p className="muted small">
          In <code className="mono">{folder}</code>
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label className="field__label" htmlFor="file-dialog-name">
            File name
          </label>
          <input
            id="file-dialog-name"
            ref={input}
            className="input mono"
            data-testid="file-dialog-name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
            onKeyDown={(e) => e.key === 'Escape' && onCancel()}
            placeholder="welcome.journey.json"
          />
          <div className="field__hint">
            {file ? (
              <>
                Will {mode === 'save' ? 'save' : 'open'} <code className="mono">{file}</code>
                {mode === 'save' && exists && <strong className="warn-text"> — replaces the existing file</strong>}
              </>
            ) : (
              'Type a name'
            )}
          </div>
          {error && <div className="field__error">{error}</div>}
          <div className="file-list" role="listbox" aria-label="Journeys in the folder">
            {files === null && !error && <div className="muted small">Loading…</div>}
            {files?.length === 0 && <div className="muted small">No journeys in this folder yet.</div>}
            {files?.map((f) => (
              <button
                type="button"
                key={f.file}
                className={`file-list__item${f.file === file ? ' file-list__item--on' : ''}`}
                data-testid={`file-dialog-file-${f.file}`}
                onClick={() => setName(f.file)}
                onDoubleClick={() => onChoose(f.file)}
              >
                <span className="mono">{f.file}</span>
                <span className="muted small">{f.name}</span>
              </button>
            ))}
          </div>
          <div className="modal__actions">
            <button type="button" className="btn btn--ghost" data-testid="file-dialog-cancel" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" className="btn btn--primary" data-testid="file-dialog-ok" disabled={!file}>
              {mode === 'save' ? 'Save' : 'Open'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
