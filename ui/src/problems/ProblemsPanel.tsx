/**
 * Every diagnostic of the last validation in the marketer's words (wording.ts), with the code
 * kept as a small tag and a button for each mechanical fix. Clicking a row selects and centres
 * the node it is about.
 */
import { memo, useState } from 'react';
import type { JourneyDoc, Report } from '../api/types';
import { counts, diagnosticNodes } from './status';
import '../canvas/building.css';
import { describeProblem, fixAllDeadEnds, type Fix } from './wording';

function ProblemsPanel({
  report,
  validating,
  error,
  onSelect,
  journey,
  onFix,
}: {
  report: Report | null;
  validating: boolean;
  error: string | null;
  onSelect: (nodeId: string) => void;
  /** The journey the report is about (for step labels and fixes); without it, no fixes. */
  journey?: JourneyDoc;
  onFix?: (apply: Fix['apply']) => void;
}) {
  const [open, setOpen] = useState(true);
  const c = report ? counts(report) : { errors: 0, warnings: 0 };
  const fixAll = report && journey && onFix ? fixAllDeadEnds(report.diagnostics, journey) : null;
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
          {report && report.diagnostics.length === 0 && (
            <div className="muted small problems__none">
              {journey && journey.nodes.length === 0 ? 'Nothing to check yet: add a trigger to choose what starts the journey.' : 'No problems: this journey is ready to simulate.'}
            </div>
          )}
          {fixAll && onFix && (
            <div className="problems__fixall">
              <span className="muted small">Several paths stop without an end:</span>
              <button type="button" className="btn btn--small problem__fix" data-testid="problem-fix-all" data-fix={fixAll.kind} onClick={() => onFix(fixAll.apply)}>
                {fixAll.label}
              </button>
            </div>
          )}
          <ul className="problems__list">
            {report?.diagnostics.map((d, i) => {
              const nodes = diagnosticNodes(d);
              const node = nodes[0];
              const wording = journey ? describeProblem(d, journey, report.diagnostics) : { text: d.message, fixes: [] };
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
                  <span className="problem__message" title={d.message}>
                    {wording.text}
                  </span>
                  {onFix &&
                    wording.fixes.map((f) => (
                      <button
                        key={f.kind + f.label}
                        type="button"
                        className="btn btn--small problem__fix"
                        data-testid="problem-fix"
                        data-fix={f.kind}
                        onClick={(e) => {
                          e.stopPropagation();
                          onFix(f.apply);
                        }}
                        onKeyDown={(e) => e.stopPropagation()}
                      >
                        {f.label}
                      </button>
                    ))}
                  <span className="problem__where">
                    <span className="problem__code" title={d.message}>
                      {d.code}
                    </span>
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
