/** A random split: variants and their percentages (summing to 100). */
import type { SplitNode, Variant } from '../../api/types';
import { DraftInput, IconButton, Section } from '../../controls';
import { checkSplit, evenSplit } from '../formRules';
import { type FormProps } from './common';

export function SplitForm({ node, onChange }: FormProps<SplitNode>) {
  const variants: Variant[] = Array.isArray(node.variants) ? node.variants : [];
  const check = checkSplit(variants);
  const set = (v: Variant[], key: string) => onChange({ ...node, variants: v }, key);
  return (
    <Section
      title="Variants"
      actions={
        <span className="section__actions">
          <button
            type="button"
            className="link-btn small"
            data-testid="even-split"
            onClick={() => {
              const p = evenSplit(variants.length);
              set(
                variants.map((v, i) => ({ ...v, percent: p[i] })),
                'even',
              );
            }}
          >
            Even out
          </button>
          <button
            type="button"
            className="link-btn small"
            data-testid="add-variant"
            onClick={() => {
              const used = new Set(variants.map((v) => v.port));
              let port = String.fromCharCode(97 + variants.length);
              for (let i = 2; used.has(port); i++) port = `variant_${i}`;
              set([...variants, { port, percent: Math.max(0, 100 - check.sum) }], 'add');
            }}
          >
            + Add variant
          </button>
        </span>
      }
    >
      {variants.map((v, i) => (
        <div key={i} className="row-editor" data-testid={`variant-row-${i}`}>
          <div className="row-editor__cells">
            <div className="field field--inline">
              <label className="field__label small">Port</label>
              <DraftInput
                className={`input mono${check.items[i] && !v.port.trim() ? ' input--error' : ''}`}
                testId={`field-variant-${i}-port`}
                value={v.port}
                onText={(port) => set(variants.map((x, j) => (j === i ? { ...x, port } : x)), `variant.${i}.port`)}
              />
            </div>
            <div className="field field--inline field--narrow">
              <label className="field__label small">Percent</label>
              <DraftInput
                className="input num"
                testId={`field-variant-${i}-percent`}
                value={String(v.percent)}
                onText={(text) => {
                  const n = Number(text.replace('%', '').trim());
                  if (text.trim() !== '' && Number.isFinite(n)) set(variants.map((x, j) => (j === i ? { ...x, percent: n } : x)), `variant.${i}.percent`);
                }}
              />
            </div>
          </div>
          <IconButton label="Remove variant" testId={`remove-variant-${i}`} onClick={() => set(variants.filter((_, j) => j !== i), 'remove')}>
            ×
          </IconButton>
          {check.items[i] && <div className="field__error">{check.items[i]}</div>}
        </div>
      ))}
      <div className="split-bar" aria-hidden="true">
        {variants.map((v, i) => (
          <span key={i} style={{ width: `${Math.max(0, Math.min(100, v.percent))}%` }} className={`split-bar__part split-bar__part--${i % 4}`}>
            {v.percent >= 10 ? `${v.port}` : ''}
          </span>
        ))}
      </div>
      <div className={`split-sum ${check.ok ? 'split-sum--ok' : 'split-sum--bad'}`} data-testid="split-sum" data-sum={check.sum}>
        {check.ok ? `Total 100% ✓` : check.message}
      </div>
    </Section>
  );
}
