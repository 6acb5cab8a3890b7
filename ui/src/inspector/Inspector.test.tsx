import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setTransport } from '../api/backend';
import type { NodeDoc } from '../api/types';
import Inspector from './Inspector';
import { SampleProvider } from './LiquidPreview';

/** Renders the inspector for `node`, feeding every change back in like the editor does. */
function mount(node: NodeDoc, otherIds: string[] = []) {
  const changes: NodeDoc[] = [];
  const renames: [string, string][] = [];
  let current = node;
  const view = () => (
    <SampleProvider>
      <Inspector
        node={current}
        selectionCount={1}
        otherIds={otherIds}
        upstreamButtons={[]}
        diagnostics={[]}
        onChange={(_id, doc) => {
          changes.push(doc);
          current = doc;
          r.rerender(view());
        }}
        onRename={(from, to) => {
          renames.push([from, to]);
          return true;
        }}
        onDelete={() => {}}
      />
    </SampleProvider>
  );
  const r = render(view());
  /** A change from outside the inspector (an undo). */
  const replace = (doc: NodeDoc) => {
    current = doc;
    r.rerender(view());
  };
  return { changes, renames, latest: () => current, replace };
}

const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;

beforeEach(() => {
  // The Liquid preview asks the backend: a fake that echoes the template.
  setTransport(async (command, args) => {
    if (command === 'preview_template') return { text: String(args.template), missing: [] };
    throw new Error(`unexpected command ${command}`);
  });
});
afterEach(() => setTransport(null));

describe('inspector forms', () => {
  it('an update keeps a row not named yet while it is typed, and an outside change (undo) resets the rows', () => {
    const { latest, replace } = mount({ id: 'u', type: 'update', set: { tier: 'gold' } });
    fireEvent.click(screen.getByTestId('add-set'));
    expect(byId('field-set-1-key').value).toBe('');
    fireEvent.change(byId('field-set-0-value'), { target: { value: 'silver' } });
    fireEvent.blur(byId('field-set-0-value'));
    expect((latest() as { set?: Record<string, unknown> }).set).toEqual({ tier: 'silver' });
    // The document took the named rows only; the row being typed is still there.
    expect(byId('field-set-1-key').value).toBe('');
    replace({ id: 'u', type: 'update', set: { tier: 'gold' } });
    expect(screen.queryByTestId('field-set-1-key')).toBeNull();
    expect(byId('field-set-0-value').value).toBe('gold');
  });

  it('a send can be marked transactional, with a one-line explanation; unticking removes the field', () => {
    const { latest } = mount({ id: 'confirm', type: 'send', channel: 'sms', text: 'Booked' });
    expect(byId('field-transactional').checked).toBe(false);
    expect(screen.getByTestId('transactional-hint').textContent).toMatch(/quiet hours and past the frequency cap, never without consent/);
    fireEvent.click(byId('field-transactional'));
    expect((latest() as { transactional?: boolean }).transactional).toBe(true);
    expect(byId('field-transactional').checked).toBe(true);
    fireEvent.click(byId('field-transactional'));
    expect('transactional' in latest()).toBe(false);
  });

  it('WhatsApp buttons: at most 3, titles clipped to 20 characters, ids follow titles', () => {
    const { latest } = mount({ id: 'wa', type: 'send', channel: 'whatsapp', text: 'Hi' });
    for (let i = 0; i < 3; i++) fireEvent.click(byId('add-button'));
    expect((screen.getByTestId('add-button') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(byId('field-button-0-title'), { target: { value: 'Reschedule my appointment please' } });
    const doc = latest() as { buttons: { id: string; title: string }[] };
    expect(doc.buttons).toHaveLength(3);
    expect(doc.buttons[0].title).toBe('Reschedule my appoin');
    expect(doc.buttons[0].id).toBe('reschedule_my_appoin');
    expect(byId('field-button-0-title').maxLength).toBe(20);
  });

  it('split: the live sum says what is missing, and is happy at 100', () => {
    mount({ id: 's', type: 'split', variants: [{ port: 'a', percent: 50 }, { port: 'b', percent: 50 }] });
    expect(screen.getByTestId('split-sum').textContent).toMatch(/100%/);
    const percent = byId('field-variant-0-percent');
    fireEvent.focus(percent);
    fireEvent.change(percent, { target: { value: '30' } });
    expect(screen.getByTestId('split-sum').textContent).toMatch(/80%.*20% left/);
    fireEvent.click(screen.getByTestId('add-variant'));
    expect(screen.getByTestId('split-sum').textContent).toMatch(/Total 100%/);
  });

  it('durations: free text is accepted and stored canonically; nonsense is refused', () => {
    const { changes, latest } = mount({ id: 'w', type: 'wait', for: '1d' });
    const input = byId('field-for');
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: '1h 30m' } });
    expect((latest() as { for: string }).for).toBe('1h30m');
    const n = changes.length;
    fireEvent.change(input, { target: { value: 'soon' } });
    expect(changes.length).toBe(n);
    expect(screen.getByRole('alert').textContent).toMatch(/not a duration/);
  });

  it('wait mode switch keeps exactly one mode', () => {
    const { latest } = mount({ id: 'w', type: 'wait', for: '1d' });
    fireEvent.change(screen.getByTestId('field-wait-mode'), { target: { value: 'until_local_time' } });
    expect(latest()).toEqual({ id: 'w', type: 'wait', until_local_time: '09:00' });
  });

  it('renaming refuses an id already taken and accepts a free one', () => {
    const { renames } = mount({ id: 'a', type: 'exit' }, ['b']);
    const input = byId('field-id');
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: 'b' } });
    expect(renames).toEqual([]);
    expect(screen.getByText(/Another step is called/)).toBeTruthy();
    fireEvent.change(input, { target: { value: 'done' } });
    expect(renames).toEqual([['a', 'done']]);
  });

  it('a duplicate id says so before any typing, and can be changed', () => {
    const { renames } = mount({ id: 'a', type: 'exit' }, ['a', 'b']);
    expect(screen.getByText(/Another step is also called “a”/)).toBeTruthy();
    const input = byId('field-id');
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: 'a2' } });
    expect(renames).toEqual([['a', 'a2']]);
  });

  it('trigger: "One flow per" sets the key, and clearing it removes the field', () => {
    const { latest } = mount({ id: 'booked', type: 'trigger', event: 'appointment_booked' });
    const input = byId('field-key');
    expect(input.value).toBe('');
    expect(input.placeholder).toBe('event.appointment_id');
    fireEvent.change(input, { target: { value: 'event.appointment_id' } });
    expect(latest()).toEqual({ id: 'booked', type: 'trigger', event: 'appointment_booked', key: 'event.appointment_id' });
    fireEvent.change(byId('field-key'), { target: { value: '' } });
    expect(latest()).toEqual({ id: 'booked', type: 'trigger', event: 'appointment_booked' });
    expect('key' in latest()).toBe(false);
  });

  it('keeps fields the form does not show', () => {
    const { latest } = mount({ id: 'x', type: 'webhook', url: 'https://a.example', method: 'POST', x_retry: 3 } as NodeDoc);
    fireEvent.change(byId('field-url'), { target: { value: 'https://b.example/hook' } });
    expect(latest()).toEqual({ id: 'x', type: 'webhook', url: 'https://b.example/hook', method: 'POST', x_retry: 3 });
  });

  it('shows the backend-rendered Liquid preview', async () => {
    vi.useFakeTimers();
    mount({ id: 'sms', type: 'send', channel: 'sms', text: 'Hi {{ contact.first_name }}' });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(300);
    });
    expect(screen.getByTestId('liquid-preview').textContent).toBe('Hi {{ contact.first_name }}');
    vi.useRealTimers();
  });
});

describe('Liquid preview', () => {
  it('waits for tags to be closed before asking the backend', async () => {
    const { unfinishedTag } = await import('./previewShared');
    expect(unfinishedTag('Hi {{ contact.')).toBe(true);
    expect(unfinishedTag('Hi {% if x')).toBe(true);
    expect(unfinishedTag('Hi {{ contact.first_name }}')).toBe(false);
    expect(unfinishedTag('plain')).toBe(false);
  });
});

describe("the step's problems", () => {
  it("read in the marketer's words, with the code kept as a tag", () => {
    const sms: NodeDoc = { id: 'sms', type: 'send', channel: 'sms', text: 'Hi', label: 'SMS confirmation' } as NodeDoc;
    const journey = {
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      nodes: [{ id: 't', type: 'trigger', event: 'booked' } as NodeDoc, sms],
      edges: [{ from: 't', to: 'sms' }],
    };
    const diagnostic = {
      code: 'dead_end',
      severity: 'error',
      message: 'port `next` of `sms` leads nowhere; connect it to a node (an `exit` if the journey ends there)',
      node: 'sms',
      port: 'next',
    };
    render(
      <SampleProvider>
        <Inspector
          node={sms}
          selectionCount={1}
          otherIds={['t']}
          upstreamButtons={[]}
          diagnostics={[diagnostic] as never}
          journey={journey as never}
          onChange={() => {}}
          onRename={() => true}
          onDelete={() => {}}
        />
      </SampleProvider>,
    );
    const problems = screen.getByTestId('inspector-problems');
    expect(problems.textContent).toContain('‘SMS confirmation’ has no next step');
    expect(problems.textContent).toContain('dead_end');
    expect(problems.textContent).not.toContain('leads nowhere');
  });
});
