/** The trigger: the event contacts enter on, one flow per key, an optional filter. */
import type { TriggerNode } from '../../api/types';
import { Section, TextField } from '../../controls';
import { ConditionBuilder } from '../ConditionBuilder';
import { FieldWarnings } from '../fieldWarnings';
import { without, type FormProps } from './common';

export function TriggerForm({ node, onChange }: FormProps<TriggerNode>) {
  return (
    <>
      <TextField
        label="Event"
        testId="field-event"
        value={node.event ?? ''}
        placeholder="appointment_booked"
        hint="Contacts enter when this event arrives"
        onChange={(event) => onChange({ ...node, event }, 'event')}
      />
      <TextField
        label="One flow per"
        testId="field-key"
        value={node.key ?? ''}
        placeholder="event.appointment_id"
        hint="Optional: each value of this event field runs its own flow (one per appointment, per order)"
        onChange={(key) => onChange(key === '' ? without(node, 'key') : { ...node, key }, 'key')}
      />
      <FieldWarnings at={['key']} />
      <Section
        title="Filter"
        actions={
          node.filter ? (
            <button type="button" className="link-btn small" onClick={() => onChange(without(node, 'filter'), 'filter')}>
              Remove filter
            </button>
          ) : (
            <button type="button" className="link-btn small" data-testid="add-filter" onClick={() => onChange({ ...node, filter: { field: 'contact.', op: 'eq', value: '' } }, 'filter')}>
              + Add filter
            </button>
          )
        }
      >
        {node.filter ? (
          <>
            <ConditionBuilder value={node.filter} onChange={(filter) => onChange(filter ? { ...node, filter } : without(node, 'filter'), 'filter')} />
            <FieldWarnings at={['filter']} />
          </>
        ) : (
          <div className="muted small">Every contact with the event enters.</div>
        )}
      </Section>
    </>
  );
}
