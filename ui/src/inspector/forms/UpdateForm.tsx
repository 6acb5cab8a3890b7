/** An update of the contact: attributes set and consent granted or revoked. */
import type { Json, UpdateNode } from '../../api/types';
import { KeyValueRows, Section } from '../../controls';
import { formatConditionValue, parseScalar } from '../formRules';
import { CHANNEL_OPTIONS, without, type FormProps } from './common';

export function UpdateForm({ node, onChange }: FormProps<UpdateNode>) {
  const set = node.set ?? {};
  const rows = Object.entries(set).map(([k, v]) => [k, formatConditionValue(v)] as [string, string]);
  const consent = node.consent ?? {};
  return (
    <>
      <Section title="Set attributes">
        <KeyValueRows
          rows={rows}
          testPrefix="field-set"
          keyPlaceholder="tier"
          valuePlaceholder="gold"
          addLabel="+ Add attribute"
          addTestId="add-set"
          onChange={(r) => {
            const next: Record<string, Json> = {};
            for (const [k, v] of r) next[k] = parseScalar(v);
            onChange(r.length > 0 ? { ...node, set: next } : without(node, 'set'), 'set');
          }}
        />
      </Section>
      <Section title="Consent">
        {CHANNEL_OPTIONS.map((ch) => (
          <div key={ch.value} className="consent-row">
            <span>{ch.label}</span>
            <select
              className="input select"
              data-testid={`field-consent-${ch.value}`}
              value={consent[ch.value] === undefined ? '' : consent[ch.value] ? 'grant' : 'revoke'}
              onChange={(e) => {
                const next = { ...consent };
                if (e.target.value === '') delete next[ch.value];
                else next[ch.value] = e.target.value === 'grant';
                onChange(Object.keys(next).length > 0 ? { ...node, consent: next } : without(node, 'consent'), 'consent');
              }}
            >
              <option value="">no change</option>
              <option value="grant">grant</option>
              <option value="revoke">revoke</option>
            </select>
          </div>
        ))}
      </Section>
    </>
  );
}
