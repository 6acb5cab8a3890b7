/**
 * One form per node type. Each edits the node's journey document and hands back a new one;
 * every field the form does not show is kept as it was.
 */
import { useState } from 'react';
import type {
  Button,
  Condition,
  Json,
  NodeDoc,
  SendNode,
  SplitNode,
  TriggerNode,
  UpdateNode,
  Variant,
  WaitBranch,
  WaitForNode,
  WaitNode,
  WebhookNode,
  BranchNode,
} from '../api/types';
import { ConditionBuilder } from './ConditionBuilder';
import { DraftInput, DurationField, Field, IconButton, Section, SelectField, TextArea, TextField } from './controls';
import {
  buttonIdFromTitle,
  buttonProblems,
  checkSplit,
  clipButtonTitle,
  evenSplit,
  formatConditionValue,
  MAX_BUTTON_TITLE,
  MAX_BUTTONS,
  parseScalar,
  portError,
  timeError,
  urlError,
} from './formRules';
import { LiquidPreview } from './LiquidPreview';
import { FieldWarnings } from './fieldWarnings';
import { addKeywordBranch, branchesFromButtons } from '../model/transform';

export interface FormProps<T extends NodeDoc> {
  node: T;
  /** New document; `key` groups keystrokes of one field into one undo step. */
  onChange: (doc: NodeDoc, key: string) => void;
  /** Buttons offered by the sends wired into this node (for reply branches). */
  upstreamButtons: Button[];
}

/** A copy without `key` (for optional fields being cleared). */
function without<T extends object>(o: T, ...keys: string[]): T {
  const c = { ...o } as Record<string, unknown>;
  for (const k of keys) delete c[k];
  return c as T;
}

const CHANNEL_OPTIONS = [
  { value: 'sms', label: 'SMS' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'email', label: 'Email' },
];

// ---- trigger ----

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

// ---- send ----

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

// ---- wait ----

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

// ---- wait_for ----

export function WaitForForm({ node, onChange, upstreamButtons }: FormProps<WaitForNode>) {
  const mode: 'reply' | 'event' = node.reply !== undefined || node.event === undefined ? 'reply' : 'event';
  const branches = Array.isArray(node.branches) ? node.branches : [];
  const ports = branches.map((b) => b.port);
  const setBranches = (b: WaitBranch[]) => onChange(b.length > 0 ? { ...node, branches: b } : without(node, 'branches'), 'branches');
  const setBranch = (i: number, b: WaitBranch, key: string) => {
    const next = [...branches];
    next[i] = b;
    onChange({ ...node, branches: next }, `branch.${i}.${key}`);
  };
  const listId = `buttons-${node.id}`;
  return (
    <>
      <SelectField<'reply' | 'event'>
        label="Wait for"
        testId="field-wait-for-mode"
        value={mode}
        options={[
          { value: 'reply', label: 'a reply' },
          { value: 'event', label: 'an event' },
        ]}
        onChange={(m) =>
          onChange(
            m === 'reply' ? { ...without(node, 'event'), reply: node.reply ?? { channel: 'whatsapp' } } : { ...without(node, 'reply'), event: node.event ?? '' },
            'mode',
          )
        }
      />
      {mode === 'reply' ? (
        <SelectField
          label="Reply channel"
          testId="field-reply-channel"
          value={node.reply?.channel ?? 'whatsapp'}
          options={CHANNEL_OPTIONS}
          onChange={(channel) => onChange({ ...node, reply: { ...(node.reply ?? { channel }), channel } }, 'reply')}
        />
      ) : (
        <TextField label="Event" testId="field-wait-event" value={node.event ?? ''} placeholder="order_paid" onChange={(event) => onChange({ ...node, event }, 'event')} />
      )}
      <DurationField label="Timeout" testId="field-timeout" value={node.timeout} hint="Then continue on the timeout port" onChange={(timeout) => onChange({ ...node, timeout }, 'timeout')} />
      <Section
        title="Branches"
        actions={
          <button
            type="button"
            className="link-btn small"
            data-testid="add-branch"
            onClick={() => {
              const used = new Set(ports);
              const unused = upstreamButtons.find((b) => !used.has(b.id));
              const port = unused ? unused.id : `branch_${branches.length + 1}`;
              setBranches([...branches, unused && mode === 'reply' ? { port, button: unused.id, keywords: [unused.title.toLowerCase()] } : { port }]);
            }}
          >
            + Add branch
          </button>
        }
      >
        {branches.length === 0 && <div className="muted small">Without branches, any {mode} continues on “{mode === 'reply' ? 'reply' : 'event'}”.</div>}
        {mode === 'reply' && (
          <div className="branch-presets">
            {upstreamButtons.length > 0 && upstreamButtons.some((b) => !branches.some((x) => x.button === b.id)) && (
              <button
                type="button"
                className="btn btn--small"
                data-testid="branches-from-buttons"
                title={`One branch for each button of the message before: ${upstreamButtons.map((b) => b.title).join(', ')}`}
                onClick={() => onChange(branchesFromButtons(node, upstreamButtons), 'branches')}
              >
                One branch per button
              </button>
            )}
            {(['yes', 'no'] as const).map((k) =>
              ports.includes(k) ? null : (
                <button key={k} type="button" className="btn btn--small btn--ghost" data-testid={`add-keyword-${k}`} onClick={() => onChange(addKeywordBranch(node, k), 'branches')}>
                  + “{k}” reply
                </button>
              ),
            )}
          </div>
        )}
        <datalist id={listId}>
          {upstreamButtons.map((b) => (
            <option key={b.id} value={b.id}>
              {b.title}
            </option>
          ))}
        </datalist>
        {branches.map((b, i) => {
          const pErr = portError(b.port ?? '', ports);
          return (
            <div key={i} className="row-editor row-editor--block" data-testid={`branch-row-${i}`}>
              <div className="row-editor__cells">
                <div className="field field--inline">
                  <label className="field__label small">Port</label>
                  <DraftInput
                    className={`input mono${pErr ? ' input--error' : ''}`}
                    testId={`field-branch-${i}-port`}
                    value={b.port ?? ''}
                    onText={(port) => setBranch(i, { ...b, port }, 'port')}
                  />
                </div>
                {mode === 'reply' && (
                  <div className="field field--inline">
                    <label className="field__label small">Button</label>
                    <DraftInput
                      className="input mono"
                      testId={`field-branch-${i}-button`}
                      list={listId}
                      value={b.button ?? ''}
                      placeholder={upstreamButtons[0]?.id ?? 'button id'}
                      onText={(button) => setBranch(i, button ? { ...b, button } : without(b, 'button'), 'button')}
                    />
                  </div>
                )}
              </div>
              {mode === 'reply' && (
                <div className="field field--inline">
                  <label className="field__label small">Keywords</label>
                  <DraftInput
                    className="input"
                    testId={`field-branch-${i}-keywords`}
                    value={(b.keywords ?? []).join(', ')}
                    placeholder="yes, ok, confirm"
                    onText={(text) => {
                      const kw = text
                        .split(',')
                        .map((s) => s.trim())
                        .filter(Boolean);
                      setBranch(i, kw.length > 0 ? { ...b, keywords: kw } : without(b, 'keywords'), 'keywords');
                    }}
                  />
                </div>
              )}
              <label className="check small">
                <input type="checkbox" data-testid={`field-branch-${i}-any`} checked={b.any === true} onChange={(e) => setBranch(i, e.target.checked ? { ...b, any: true } : without(b, 'any'), 'any')} />
                matches anything
              </label>
              {b.where ? (
                <>
                  <ConditionBuilder label="Where" value={b.where} onChange={(where) => setBranch(i, where ? { ...b, where } : without(b, 'where'), 'where')} />
                  <FieldWarnings at={[`branches[${i}].where`]} />
                </>
              ) : (
                <button type="button" className="link-btn small" onClick={() => setBranch(i, { ...b, where: { field: 'event.', op: 'eq', value: '' } }, 'where')}>
                  + Condition on the {mode}
                </button>
              )}
              <div className="row-editor__foot">
                {pErr && <span className="field__error">{pErr}</span>}
                <button type="button" className="link-btn small danger" data-testid={`remove-branch-${i}`} onClick={() => setBranches(branches.filter((_, j) => j !== i))}>
                  Remove branch
                </button>
              </div>
            </div>
          );
        })}
      </Section>
    </>
  );
}

// ---- branch ----

export function BranchForm({ node, onChange }: FormProps<BranchNode>) {
  return (
    <>
      <ConditionBuilder
        label="Condition (yes when it holds)"
        value={node.condition}
        onChange={(condition?: Condition) => onChange(condition ? { ...node, condition } : without(node, 'condition'), 'condition')}
      />
      <FieldWarnings at={['condition']} />
    </>
  );
}

// ---- split ----

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

// ---- update ----

function KeyValueRows({
  rows: docRows,
  onChange,
  testPrefix,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
  addTestId,
}: {
  rows: [string, string][];
  onChange: (rows: [string, string][]) => void;
  testPrefix: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  addLabel: string;
  addTestId: string;
}) {
  // Rows being typed (no name yet) live here until they have a name; the document only ever
  // receives named rows. An outside change (undo) resets the local rows.
  const [rows, setRows] = useState(docRows);
  const named = (r: [string, string][]) => r.filter(([k]) => k.trim() !== '');
  const docKey = JSON.stringify(docRows);
  // Adjusted while rendering when the document's rows change (React re-renders at once).
  const [seenDocKey, setSeenDocKey] = useState(docKey);
  if (docKey !== seenDocKey) {
    setSeenDocKey(docKey);
    if (JSON.stringify(named(rows)) !== docKey) setRows(JSON.parse(docKey) as [string, string][]);
  }
  const update = (r: [string, string][]) => {
    setRows(r);
    if (JSON.stringify(named(r)) !== docKey) onChange(named(r));
  };
  return (
    <>
      {rows.map(([k, v], i) => (
        <div key={i} className="row-editor">
          <div className="row-editor__cells">
            <DraftInput
              className="input mono"
              testId={`${testPrefix}-${i}-key`}
              ariaLabel="Name"
              value={k}
              placeholder={keyPlaceholder}
              onText={(key) => update(rows.map((r, j) => (j === i ? [key, r[1]] : r)))}
            />
            <DraftInput
              className="input"
              testId={`${testPrefix}-${i}-value`}
              ariaLabel="Value"
              value={v}
              placeholder={valuePlaceholder}
              onText={(value) => update(rows.map((r, j) => (j === i ? [r[0], value] : r)))}
            />
          </div>
          <IconButton label="Remove" onClick={() => update(rows.filter((_, j) => j !== i))}>
            ×
          </IconButton>
        </div>
      ))}
      <button type="button" className="link-btn small" data-testid={addTestId} onClick={() => setRows([...rows, ['', '']])}>
        {addLabel}
      </button>
    </>
  );
}

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

// ---- webhook ----

export function WebhookForm({ node, onChange }: FormProps<WebhookNode>) {
  const headers = Object.entries(node.headers ?? {}) as [string, string][];
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
          rows={headers}
          testPrefix="field-header"
          keyPlaceholder="Authorization"
          valuePlaceholder="Bearer …"
          addLabel="+ Add header"
          addTestId="add-header"
          onChange={(r) => {
            const next = Object.fromEntries(r);
            onChange(r.length > 0 ? { ...node, headers: next } : without(node, 'headers'), 'headers');
          }}
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
