/**
 * The condition builder: rows of field / operator / value, grouped with "all" or "any",
 * negatable, nested groups. Edits the journey's condition object directly.
 */
import { useId } from 'react';
import type { Condition } from '../api/types';
import { OPERATORS } from '../api/types';
import { DraftInput } from '../controls';
import { conditionFieldError, DURATION_OPS, formatConditionValue, parseConditionValue, VALUELESS_OPS } from './formRules';
import { fromGroup, isGroup, newRule, toGroup, type Group } from './conditionTree';

const OP_LABELS: Record<string, string> = {
  eq: 'equals',
  ne: 'does not equal',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  contains: 'contains',
  in: 'is one of',
  exists: 'is set',
  not_exists: 'is not set',
  within_next: 'is within the next',
  within_last: 'was within the last',
};

/** Suggestions for the field input. */
const COMMON_FIELDS = [
  'contact.first_name',
  'contact.last_name',
  'contact.tier',
  'contact.country',
  'contact.language',
  'contact.email',
  'contact.phone',
  'contact.signed_up_at',
  'event.starts_at',
  'event.amount',
  'event.name',
  'event.text',
  'event.button',
];

function Rule({ rule, onChange, onRemove }: { rule: Condition; onChange: (c: Condition) => void; onRemove: () => void }) {
  const op = rule.op ?? 'eq';
  // No nagging about a rule not filled in yet (the problems list says it once).
  const untouched = rule.field === undefined || rule.field === '' || rule.field === 'contact.' || rule.field === 'event.';
  const fieldError = untouched ? null : conditionFieldError(rule.field ?? '');
  return (
    <div className="cond-rule" data-testid="cond-row">
      <DraftInput
        className={`input cond-rule__field${fieldError ? ' input--error' : ''}`}
        testId="cond-field"
        ariaLabel="Field"
        value={rule.field ?? ''}
        list="itinera-condition-fields"
        placeholder="contact.tier"
        onText={(field) => onChange({ ...rule, field })}
      />
      <select
        className="input select cond-rule__op"
        data-testid="cond-op"
        aria-label="Operator"
        value={op}
        onChange={(e) => {
          const next: Condition = { ...rule, op: e.target.value };
          if (VALUELESS_OPS.has(next.op!)) delete next.value;
          else if (DURATION_OPS.has(next.op!) && (typeof next.value !== 'string' || next.value.trim() === '')) next.value = '24h';
          else if (next.value === undefined) next.value = '';
          else next.value = parseConditionValue(next.op!, formatConditionValue(next.value));
          onChange(next);
        }}
      >
        {!OPERATORS.includes(op as (typeof OPERATORS)[number]) && <option value={op}>{op}</option>}
        {OPERATORS.map((o) => (
          <option key={o} value={o}>
            {OP_LABELS[o]}
          </option>
        ))}
      </select>
      {!VALUELESS_OPS.has(op) && (
        <DraftInput
          className="input cond-rule__value"
          testId="cond-value"
          ariaLabel="Value"
          value={formatConditionValue(rule.value)}
          placeholder={op === 'in' ? 'gold, silver' : DURATION_OPS.has(op) ? '24h' : 'value'}
          onText={(text) => onChange({ ...rule, value: parseConditionValue(op, text) })}
        />
      )}
      <button type="button" className="icon-btn cond-rule__remove" aria-label="Remove rule" title="Remove rule" data-testid="cond-remove" onClick={onRemove}>
        ×
      </button>
      {fieldError && <div className="field__error cond-rule__error">{fieldError}</div>}
    </div>
  );
}

function GroupView({ group, onChange, depth }: { group: Group; onChange: (g: Group) => void; depth: number }) {
  const setItem = (i: number, c: Condition | undefined) => {
    const items = [...group.items];
    if (c === undefined) items.splice(i, 1);
    else items[i] = c;
    onChange({ ...group, items });
  };
  return (
    <div className={`cond-group cond-group--${group.mode}${depth > 0 ? ' cond-group--nested' : ''}`} data-testid="cond-group">
      <div className="cond-group__head">
        <label className="check">
          <input type="checkbox" data-testid="cond-not" checked={group.negate} onChange={(e) => onChange({ ...group, negate: e.target.checked })} />
          not
        </label>
        <select className="input select cond-group__mode" data-testid="cond-mode" aria-label="Match" value={group.mode} onChange={(e) => onChange({ ...group, mode: e.target.value as 'all' | 'any' })}>
          <option value="all">all of these hold</option>
          <option value="any">any of these holds</option>
        </select>
      </div>
      {group.items.length === 0 && <div className="muted small">No rules yet: add one.</div>}
      {group.items.map((item, i) =>
        isGroup(item) ? (
          <div key={i} className="cond-group__nested">
            <GroupView group={toGroup(item)} depth={depth + 1} onChange={(g) => setItem(i, fromGroup(g))} />
            <button type="button" className="link-btn small" onClick={() => setItem(i, undefined)}>
              Remove group
            </button>
          </div>
        ) : (
          <Rule key={i} rule={item} onChange={(c) => setItem(i, c)} onRemove={() => setItem(i, undefined)} />
        ),
      )}
      <div className="cond-group__actions">
        <button type="button" className="btn btn--small" data-testid="cond-add-rule" onClick={() => onChange({ ...group, items: [...group.items, newRule()] })}>
          + Rule
        </button>
        {depth < 3 && (
          <button
            type="button"
            className="btn btn--small btn--ghost"
            data-testid="cond-add-group"
            onClick={() => onChange({ ...group, items: [...group.items, { any: [newRule()] }] })}
          >
            + Group
          </button>
        )}
      </div>
    </div>
  );
}

export function ConditionBuilder({ value, onChange, label }: { value: Condition | undefined; onChange: (c: Condition | undefined) => void; label?: string }) {
  const id = useId();
  return (
    <div className="field" aria-labelledby={id}>
      {label && (
        <div className="field__label" id={id}>
          {label}
        </div>
      )}
      <GroupView group={toGroup(value)} depth={0} onChange={(g) => onChange(fromGroup(g))} />
      <datalist id="itinera-condition-fields">
        {COMMON_FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
    </div>
  );
}
