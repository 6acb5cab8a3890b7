/** A webhook: URL, method, headers and body (Liquid allowed). */
import type { WebhookNode } from '../../api/types';
import { KeyValueRows, SelectField, Section, TextArea, TextField } from '../../controls';
import { urlError } from '../formRules';
import { FieldWarnings } from '../fieldWarnings';
import { LiquidPreview } from '../LiquidPreview';
import { without, type FormProps } from './common';

export function WebhookForm({ node, onChange }: FormProps<WebhookNode>) {
  return (
    <>
      <TextField
        label="URL"
        testId="field-url"
        value={node.url ?? ''}
        placeholder="https://api.example.com/hooks/booking"
        error={urlError(node.url ?? '')}
        hint="Liquid allowed"
        onChange={(url) => onChange({ ...node, url }, 'url')}
      />
      <FieldWarnings at={['url']} />
      <SelectField
        label="Method"
        testId="field-method"
        value={node.method ?? 'POST'}
        options={['POST', 'PUT', 'PATCH', 'GET', 'DELETE'].map((m) => ({ value: m, label: m }))}
        onChange={(method) => onChange({ ...node, method }, 'method')}
      />
      <Section title="Headers">
        <KeyValueRows
          value={node.headers ?? {}}
          values="text"
          testid="field-header"
          keyPlaceholder="Authorization"
          valuePlaceholder="Bearer …"
          addLabel="+ Add header"
          addTestId="add-header"
          onChange={(headers) => onChange(Object.keys(headers).length > 0 ? { ...node, headers: headers as Record<string, string> } : without(node, 'headers'), 'headers')}
        />
      </Section>
      <TextArea
        label="Body"
        testId="field-body"
        mono
        rows={6}
        placeholder={'{"contact": "{{ contact.id }}"}'}
        value={node.body ?? ''}
        onChange={(body) => onChange(body ? { ...node, body } : without(node, 'body'), 'body')}
      />
      <FieldWarnings at={['body']} />
      {node.body ? <LiquidPreview template={node.body} label="Body preview" /> : null}
    </>
  );
}
