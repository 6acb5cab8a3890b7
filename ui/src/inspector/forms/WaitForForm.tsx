/** Waiting for a reply or an event: its branches (buttons, keywords, conditions) and timeout. */
import type { WaitBranch, WaitForNode } from '../../api/types';
import { DraftInput, DurationField, Section, SelectField, TextField } from '../../controls';
import { addKeywordBranch, branchesFromButtons } from '../../model/transform';
import { ConditionBuilder } from '../ConditionBuilder';
import { portError } from '../formRules';
import { FieldWarnings } from '../fieldWarnings';
import { CHANNEL_OPTIONS, without, type FormProps } from './common';

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
