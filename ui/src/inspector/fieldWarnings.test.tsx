import { render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTransport, validateJourney } from '../api/backend';
import type { Diagnostic, JourneyDoc, NodeDoc, ScenarioDoc } from '../api/types';
import Inspector from './Inspector';
import { SampleProvider } from './LiquidPreview';
import { fieldWarnings, withinField } from './fieldDiagnostics';

const warn = (node: string, field: string, message: string): Diagnostic => ({ severity: 'warning', code: 'unknown_variable', node, field, message });

describe('fieldWarnings', () => {
  it('matches a setting and what lies within it, nothing else', () => {
    expect(withinField('condition.all[0].field', 'condition')).toBe(true);
    expect(withinField('template.params[1]', 'template.params')).toBe(true);
    expect(withinField('text', 'text')).toBe(true);
    expect(withinField('textual', 'text')).toBe(false);
    expect(withinField(undefined, 'text')).toBe(false);
  });
  it('keeps only unknown_variable warnings of those fields', () => {
    const ds: Diagnostic[] = [
      warn('sms', 'text', 'a'),
      warn('sms', 'subject', 'b'),
      { severity: 'error', code: 'invalid_config', node: 'sms', field: 'text', message: 'c' },
    ];
    expect(fieldWarnings(ds, ['text']).map((d) => d.message)).toEqual(['a']);
  });
});

describe('unknown variables in the inspector', () => {
  beforeEach(() => setTransport(async (command, args) => (command === 'preview_template' ? { text: String(args.template), missing: [] } : null)));
  afterEach(() => setTransport(null));

  function mount(node: NodeDoc, diagnostics: Diagnostic[]) {
    render(
      <SampleProvider>
        <Inspector node={node} selectionCount={1} otherIds={[]} upstreamButtons={[]} diagnostics={diagnostics} onChange={() => {}} onRename={() => true} onDelete={() => {}} />
      </SampleProvider>,
    );
  }

  it('a send shows the warning under its message, not only as a chip', () => {
    mount({ id: 'sms', type: 'send', channel: 'sms', text: 'Hi {{ contact.first_nam }}' } as NodeDoc, [
      warn('sms', 'text', '`text` uses `contact.first_nam`, which no contact of the scenario has (did you mean `contact.first_name`?)'),
    ]);
    const w = screen.getByTestId('field-warning');
    expect(w.getAttribute('data-field')).toBe('text');
    expect(w.textContent).toBe('“text” uses “contact.first_nam”, which no contact of the scenario has (did you mean “contact.first_name”?)');
    // Right after the message field.
    const field = screen.getByTestId('field-text').closest('.field');
    expect(field?.nextElementSibling?.getAttribute('data-testid')).toBe('field-warnings');
  });

  it('a branch shows it under its condition, an email under its subject', () => {
    mount({ id: 'b', type: 'branch', condition: { field: 'contact.tierr', op: 'eq', value: 'gold' } } as NodeDoc, [warn('b', 'condition.field', 'tierr')]);
    expect(screen.getByTestId('field-warning').getAttribute('data-field')).toBe('condition.field');
  });

  it('no warning, no list', () => {
    mount({ id: 'sms', type: 'send', channel: 'email', subject: 'Hi', text: 'x' } as NodeDoc, [warn('sms', 'subject', 'subject one')]);
    const list = screen.getAllByTestId('field-warnings');
    expect(list).toHaveLength(1);
    expect(within(list[0]).getByTestId('field-warning').textContent).toBe('subject one');
  });
});

describe('validateJourney', () => {
  afterEach(() => setTransport(null));
  it('sends the scenario only when there is one (the old call otherwise)', async () => {
    const sent: Record<string, unknown>[] = [];
    setTransport(async (_c, args) => {
      sent.push(args as Record<string, unknown>);
      return { valid: true, diagnostics: [], facts: null };
    });
    const journey = { format: 'itinera/journey@1', id: 'j', name: 'J', nodes: [], edges: [] } as unknown as JourneyDoc;
    const scenario = { format: 'itinera/scenario@1', start: '2026-03-02T09:00:00Z', run_for: '1d', contacts: [] } as ScenarioDoc;
    await validateJourney(journey);
    await validateJourney(journey, null);
    await validateJourney(journey, scenario);
    expect(sent.map((a) => Object.keys(a).sort())).toEqual([['journey'], ['journey'], ['journey', 'scenario']]);
  });
});
