/** A message: channel, text or WhatsApp template, subject, buttons, transactional. */
import type { Button, SendNode } from '../../api/types';
import { Field, IconButton, Section, SelectField, TextArea, TextField } from '../../controls';
import { buttonIdFromTitle, buttonProblems, clipButtonTitle, MAX_BUTTON_TITLE, MAX_BUTTONS } from '../formRules';
import { FieldWarnings } from '../fieldWarnings';
import { LiquidPreview } from '../LiquidPreview';
import { CHANNEL_OPTIONS, without, type FormProps } from './common';

export function SendForm({ node, onChange }: FormProps<SendNode>) {
  const isWhatsApp = node.channel === 'whatsapp';
  const usesTemplate = isWhatsApp && node.template !== undefined;
  const buttons = Array.isArray(node.buttons) ? node.buttons : [];
  const problems = buttonProblems(buttons);
  const setButtons = (b: Button[]) => onChange(b.length > 0 ? { ...node, buttons: b } : without(node, 'buttons'), 'buttons');
  const template = node.template ?? { name: '', language: 'en', params: [] };
  const previewText = usesTemplate ? (template.params ?? []).join('\n') : (node.text ?? '');
  return (
    <>
      <SelectField
        label="Channel"
        testId="field-channel"
        value={node.channel ?? ''}
        options={CHANNEL_OPTIONS}
        onChange={(channel) => {
          let next: SendNode = { ...node, channel };
          if (channel !== 'whatsapp') {
            // Templates and buttons are WhatsApp-only: carry a template's params over as text.
            if (next.template && !next.text) next = { ...next, text: (next.template.params ?? []).join(' ') };
            next = without(next, 'template', 'buttons');
          }
          if (channel === 'email' && next.subject === undefined) next = { ...next, subject: '' };
          if (channel !== 'email') next = without(next, 'subject');
          onChange(next, 'channel');
        }}
      />
      {isWhatsApp && (
        <Field label="Message kind">
          <div className="segmented" role="radiogroup">
            <label className={!usesTemplate ? 'segmented__on' : ''}>
              <input
                type="radio"
                name={`mode-${node.id}`}
                data-testid="field-whatsapp-text"
                checked={!usesTemplate}
                onChange={() => onChange({ ...without(node, 'template'), text: node.text ?? '' }, 'mode')}
              />
              Free text
            </label>
            <label className={usesTemplate ? 'segmented__on' : ''}>
              <input
                type="radio"
                name={`mode-${node.id}`}
                data-testid="field-whatsapp-template"
                checked={usesTemplate}
                onChange={() => onChange({ ...without(node, 'text'), template: node.template ?? { name: '', language: 'en', params: [] } }, 'mode')}
              />
              Approved template
            </label>
          </div>
        </Field>
      )}
      {node.channel === 'email' && (
        <>
          <TextField label="Subject" testId="field-subject" value={node.subject ?? ''} placeholder="Your appointment" onChange={(subject) => onChange({ ...node, subject }, 'subject')} />
          <FieldWarnings at={['subject']} />
        </>
      )}
      {usesTemplate ? (
        <>
          <TextField
            label="Template name"
            testId="field-template-name"
            value={template.name ?? ''}
            placeholder="appointment_reminder"
            onChange={(name) => onChange({ ...node, template: { ...template, name } }, 'template.name')}
          />
          <TextField
            label="Language"
            testId="field-template-language"
            value={template.language ?? ''}
            placeholder="en"
            onChange={(language) => onChange({ ...node, template: { ...template, language } }, 'template.language')}
          />
          <TextArea
            label="Parameters"
            testId="field-template-params"
            hint="One per line, in order ({{1}}, {{2}}…); Liquid allowed"
            rows={3}
            value={(template.params ?? []).join('\n')}
            onChange={(text) => onChange({ ...node, template: { ...template, params: text === '' ? [] : text.split('\n') } }, 'template.params')}
          />
        </>
      ) : (
        <TextArea
          label="Message"
          testId="field-text"
          rows={5}
          placeholder="Hi {{ contact.first_name }}, …"
          hint={isWhatsApp ? 'Free text only reaches contacts who wrote in the last 24 h; start conversations with a template.' : 'Liquid: {{ contact.first_name }}, {{ event.starts_at }}'}
          value={node.text ?? ''}
          onChange={(text) => onChange({ ...node, text }, 'text')}
        />
      )}
      <FieldWarnings at={usesTemplate ? ['template.params'] : ['text']} />
      <LiquidPreview
        template={previewText}
        label={usesTemplate ? 'Parameters preview' : 'Preview'}
        frame={{ channel: String(node.channel ?? ''), subject: node.subject, buttons: isWhatsApp ? buttons : undefined, template: usesTemplate ? template.name || '…' : undefined }}
      />
      <label className="check small">
        <input
          type="checkbox"
          data-testid="field-transactional"
          checked={node.transactional === true}
          onChange={(e) => onChange(e.target.checked ? { ...node, transactional: true } : without(node, 'transactional'), 'transactional')}
        />
        Transactional
      </label>
      <div className="muted small" data-testid="transactional-hint">
        A message the contact asked for (a booking confirmation, a receipt): sent during quiet hours and past the frequency cap, never without consent.
      </div>
      {isWhatsApp && (
        <Section
          title={`Buttons (${buttons.length}/${MAX_BUTTONS})`}
          actions={
            <button
              type="button"
              className="link-btn small"
              data-testid="add-button"
              disabled={buttons.length >= MAX_BUTTONS}
              title={buttons.length >= MAX_BUTTONS ? 'WhatsApp allows at most 3 buttons' : 'Add a quick-reply button'}
              onClick={() => setButtons([...buttons, { id: '', title: '' }])}
            >
              + Add button
            </button>
          }
        >
          {buttons.length === 0 && <div className="muted small">Quick-reply buttons let contacts answer in one tap.</div>}
          {problems.list.map((p) => (
            <div key={p} className="field__error">
              {p}
            </div>
          ))}
          {buttons.map((b, i) => (
            <div key={i} className="row-editor" data-testid={`button-row-${i}`}>
              <div className="row-editor__cells">
                <div className="field field--inline">
                  <label className="field__label small">Title</label>
                  <input
                    className={`input${problems.items[i]?.title ? ' input--error' : ''}`}
                    data-testid={`field-button-${i}-title`}
                    value={b.title}
                    maxLength={MAX_BUTTON_TITLE}
                    placeholder="Confirm"
                    onChange={(e) => {
                      const title = clipButtonTitle(e.target.value);
                      const next = [...buttons];
                      // Follow the title with the id while the id was derived from it.
                      const followed = b.id === '' || b.id === buttonIdFromTitle(b.title);
                      next[i] = { ...b, title, id: followed ? buttonIdFromTitle(title) : b.id };
                      setButtons(next);
                    }}
                  />
                  <span className="counter">
                    {[...b.title].length}/{MAX_BUTTON_TITLE}
                  </span>
                </div>
                <div className="field field--inline">
                  <label className="field__label small">Id</label>
                  <input
                    className={`input mono${problems.items[i]?.id ? ' input--error' : ''}`}
                    data-testid={`field-button-${i}-id`}
                    value={b.id}
                    placeholder="confirm"
                    onChange={(e) => {
                      const next = [...buttons];
                      next[i] = { ...b, id: e.target.value };
                      setButtons(next);
                    }}
                  />
                </div>
              </div>
              <IconButton label="Remove button" testId={`remove-button-${i}`} onClick={() => setButtons(buttons.filter((_, j) => j !== i))}>
                ×
              </IconButton>
              {(problems.items[i]?.title || problems.items[i]?.id) && <div className="field__error">{problems.items[i]?.title ?? problems.items[i]?.id}</div>}
            </div>
          ))}
        </Section>
      )}
    </>
  );
}
