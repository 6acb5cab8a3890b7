/** An update of the contact: attributes set and consent granted or revoked. */
import type { UpdateNode } from '../../api/types';
import { KeyValueRows, Section } from '../../controls';
import { CHANNEL_OPTIONS, without, type FormProps } from './common';

export function UpdateForm({ node, onChange }: FormProps<UpdateNode>) {
  const consent = node.consent ?? {};
  return (
    <>
      <Section title="Set attributes">
        <KeyValueRows
          value={node.set ?? {}}
          testid="field-set"
          keyPlaceholder="tier"
          valuePlaceholder="gold"
          addLabel="+ Add attribute"
          addTestId="add-set"
          onChange={(set) => onChange(Object.keys(set).length > 0 ? { ...node, set } : without(node, 'set'), 'set')}
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
