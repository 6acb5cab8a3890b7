/** A wait: for a time, until a date in the data, or until a time of day. */
import type { WaitNode } from '../../api/types';
import { DurationField, SelectField, TextField } from '../../controls';
import { timeError } from '../../controls/timeRules';
import { FieldWarnings } from '../fieldWarnings';
import { without, type FormProps } from './common';

type WaitMode = 'for' | 'until' | 'until_local_time';

function waitMode(w: WaitNode): WaitMode {
  if (w.until !== undefined) return 'until';
  if (w.until_local_time !== undefined) return 'until_local_time';
  return 'for';
}

export function WaitForm({ node, onChange }: FormProps<WaitNode>) {
  const mode = waitMode(node);
  const base = without(node, 'for', 'until', 'until_local_time');
  const tErr = mode === 'until_local_time' ? timeError(node.until_local_time ?? '') : null;
  return (
    <>
      <SelectField<WaitMode>
        label="Wait"
        testId="field-wait-mode"
        value={mode}
        options={[
          { value: 'for', label: 'for a time' },
          { value: 'until', label: 'until a date in the data' },
          { value: 'until_local_time', label: 'until a time of day (contact’s zone)' },
        ]}
        onChange={(m) => {
          if (m === 'for') onChange({ ...base, for: node.for ?? '1d' }, 'mode');
          else if (m === 'until') onChange({ ...base, until: node.until ?? { field: 'event.starts_at', offset: '-24h' } }, 'mode');
          else onChange({ ...base, until_local_time: node.until_local_time ?? '09:00' }, 'mode');
        }}
      />
      {mode === 'for' && <DurationField label="Duration" testId="field-for" value={node.for} onChange={(v) => onChange({ ...node, for: v }, 'for')} />}
      {mode === 'until' && (
        <>
          <TextField
            label="Date field"
            testId="field-until-field"
            list="itinera-condition-fields"
            value={node.until?.field ?? ''}
            placeholder="event.starts_at"
            hint="A contact.* or event.* field holding a date and time"
            onChange={(field) => onChange({ ...node, until: { ...(node.until ?? { field: '' }), field } }, 'until.field')}
          />
          <FieldWarnings at={['until.field']} />
          <DurationField
            label="Offset"
            testId="field-until-offset"
            signed
            placeholder="-24h"
            value={node.until?.offset}
            hint="Negative for before the date"
            onChange={(offset) => onChange({ ...node, until: { ...(node.until ?? { field: '' }), offset } }, 'until.offset')}
          />
        </>
      )}
      {mode === 'until_local_time' && (
        <TextField
          label="Time of day"
          testId="field-until-local-time"
          value={node.until_local_time ?? ''}
          placeholder="09:00"
          error={tErr}
          hint="The next such time in the contact’s own time zone"
          onChange={(t) => onChange({ ...node, until_local_time: t }, 'until_local_time')}
        />
      )}
    </>
  );
}
