/**
 * Every diagnostic of the last validation: severity, message, the node it is about. Clicking a
 * row selects and centres that node.
 */
import { memo, useState } from 'react';
import type { Report } from '../api/types';
import { counts, diagnosticNodes } from './status';

function ProblemsPanel({
  report,
  validating,
  error,
  onSelect,
}: {
  report: Report | null;
  validating: boolean;
  error: string | null;
  onSelect: (nodeId: string) => void;
}) {
  const [open, setOpen] = useState(true);
  const c = report ? counts(report) : { errors: 0, warnings: 0 };
  return (
    <section className={`problems${open ? '' : ' problems--closed'}`} data-testid="problems">
      <header className="problems__head">
        <button type="button" className="problems__toggle" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          <span className="problems__caret">{open ? '▾' : '▸'}</span> Problems
          <span className={`pill ${c.errors > 0 ? 'pill--error' : 'pill--muted'}`}>{c.errors}</span>
          <span className={`pill ${c.warnings > 0 ? 'pill--warning' : 'pill--muted'}`}>{c.warnings}</span>
        </button>
        {validating && <span className="muted small">checking…</span>}
      </header>
      {open && (
        <div className="problems__body">
          {error && <div className="problems__backend field__error">Validation unavailable: {error}</div>}
          {report && report.diagnostics.length === 0 && <div className="muted small problems__none">No problems: this journey is ready to simulate.</div>}
          <ul className="problems__list">
            {report?.diagnostics.map((d, i) => {
              const nodes = diagnosticNodes(d);
              const node = nodes[0];
              return (
                <li
                  key={i}
                  className={`problem problem--${d.severity}${node ? ' problem--link' : ''}`}
                  data-testid="problem"
                  data-code={d.code}
                  data-node={node ?? ''}
                  data-severity={d.severity}
                  role={node ? 'button' : undefined}
                  tabIndex={node ? 0 : undefined}
                  onClick={() => node && onSelect(node)}
                  onKeyDown={(e) => {
                    if (node && (e.key === 'Enter' || e.key === ' ')) {
                      e.preventDefault();
                      onSelect(node);
                    }
                  }}
                >
                  <span className={`problem__icon problem__icon--${d.severity}`} aria-label={d.severity}>
                    {d.severity === 'error' ? '●' : '▲'}
                  </span>
                  <span className="problem__message">{d.message}</span>
                  <span className="problem__where">
                    {nodes.length > 0 && <code className="mono">{nodes.join(', ')}</code>}
                    {d.port && <code className="mono"> · {d.port}</code>}
                    <span className="problem__code">{d.code}</span>
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}

export default memo(ProblemsPanel);
