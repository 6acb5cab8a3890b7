import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setTransport } from '../api/backend';
import { LiquidPreview, SampleProvider } from './LiquidPreview';
import { DefaultTimezoneContext, TestContactsContext } from './previewShared';
import type { ContactDoc } from '../api/types';

afterEach(() => setTransport(null));

describe('Liquid preview', () => {
  it("asks the backend with the sample contact's zone and the journey's default zone, and shows values left as written", async () => {
    const calls: Record<string, unknown>[] = [];
    setTransport(async (command, args) => {
      if (command !== 'preview_template') throw new Error(`unexpected command ${command}`);
      calls.push(args as Record<string, unknown>);
      return { text: 'soon', missing: [], problems: ['`soon` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z): shown as written'] };
    });
    render(
      <DefaultTimezoneContext.Provider value="Asia/Tokyo">
        <SampleProvider>
          <LiquidPreview template="{{ event.starts_at | date: '%H:%M' }}" />
        </SampleProvider>
      </DefaultTimezoneContext.Provider>,
    );
    expect((await screen.findByTestId('liquid-problems')).textContent).toMatch(/is not a timestamp/);
    expect(calls).toHaveLength(1);
    expect(calls[0].default_timezone).toBe('Asia/Tokyo');
    expect((calls[0].contact as Record<string, unknown>).timezone).toBe('Europe/Lisbon');
  });

  it('sends no default zone when the journey has none', async () => {
    const calls: Record<string, unknown>[] = [];
    setTransport(async (_command, args) => {
      calls.push(args as Record<string, unknown>);
      return { text: 'Wednesday', missing: [] };
    });
    render(
      <SampleProvider>
        <LiquidPreview template="{{ event.starts_at | date: '%A' }}" />
      </SampleProvider>,
    );
    expect((await screen.findByTestId('liquid-preview')).textContent).toBe('Wednesday');
    expect('default_timezone' in calls[0]).toBe(false);
    expect(screen.queryByTestId('liquid-problems')).toBeNull();
  });
});

describe('Liquid preview while typing', () => {
  it('keeps the last rendering while the next one is on its way, but not across an unfinished tag', async () => {
    let answer = true;
    setTransport(async (_command, args) => {
      if (!answer) return new Promise(() => {}); // never answers
      return { text: `rendered ${String((args as Record<string, unknown>).template)}`, missing: [] };
    });
    const view = (template: string) => (
      <SampleProvider>
        <LiquidPreview template={template} />
      </SampleProvider>
    );
    const r = render(view('Hi {{ contact.first_name }}'));
    expect((await screen.findByTestId('liquid-preview')).textContent).toBe('rendered Hi {{ contact.first_name }}');
    answer = false;
    r.rerender(view('Hi {{ contact.first_name }}!'));
    expect(screen.getByTestId('liquid-preview').textContent).toBe('rendered Hi {{ contact.first_name }}');
    r.rerender(view('Hi {{ contact.first_name }}! {{'));
    expect(screen.getByText(/to see the preview/)).toBeTruthy();
    r.rerender(view('Hi {{ contact.first_name }}! {{ contact.tier }}'));
    expect(screen.queryByTestId('liquid-preview')).toBeNull();
    expect(screen.getByText('Rendering…')).toBeTruthy();
  });
});

describe('Preview as a test contact', () => {
  const contacts: ContactDoc[] = [
    {
      id: 'kenji',
      timezone: 'Asia/Tokyo',
      attributes: { first_name: 'Kenji', locale: 'ja' },
      events: [{ at: '+0m', name: 'appointment_booked', data: { starts_at: '2026-03-04T15:00:00Z' } }],
    },
    { id: 'ben', attributes: { first_name: 'Ben' } },
  ];
  function echo(calls: Record<string, unknown>[]) {
    setTransport(async (_command, args) => {
      const a = args as Record<string, unknown>;
      calls.push(a);
      const c = a.contact as Record<string, unknown>;
      const e = a.event as Record<string, unknown>;
      const t = String(a.template);
      return { text: `${t.includes('subject') ? 'Subject for' : 'Hi'} ${String(c.first_name ?? '?')} ${String(e.starts_at ?? '')}`.trim(), missing: [] };
    });
  }

  it("lists the scenario's contacts and renders as the chosen one (attributes, zone, locale, trigger event data)", async () => {
    const calls: Record<string, unknown>[] = [];
    echo(calls);
    render(
      <TestContactsContext.Provider value={{ contacts, triggerEvents: ['appointment_booked'], start: '2026-03-02T09:00:00Z' }}>
        <SampleProvider>
          <LiquidPreview template="Hi {{ contact.first_name }}" frame={{ channel: 'sms' }} />
        </SampleProvider>
      </TestContactsContext.Provider>,
    );
    const chooser = screen.getByTestId('preview-as') as HTMLSelectElement;
    expect([...chooser.options].map((o) => o.textContent)).toEqual(['Sample: Ana', 'kenji (Kenji)', 'ben (Ben)']);
    fireEvent.change(chooser, { target: { value: 'contact:kenji' } });
    await waitFor(() => expect(screen.getByTestId('liquid-preview').textContent).toBe('Hi Kenji 2026-03-04T15:00:00Z'));
    const last = calls[calls.length - 1];
    expect(last.contact).toEqual({ first_name: 'Kenji', locale: 'ja', id: 'kenji', timezone: 'Asia/Tokyo' });
    expect(last.event).toEqual({ starts_at: '2026-03-04T15:00:00Z' });
    // The event's place in the scenario goes too: the backend resolves local times in its data.
    expect([last.start, last.event_at]).toEqual(['2026-03-02T09:00:00Z', '+0m']);
    expect(screen.getByTestId('preview-as-contact').textContent).toBe('As kenji · Asia/Tokyo · ja');
    // The sample's editor is for the sample only.
    expect(screen.queryByTestId('edit-sample')).toBeNull();
    expect(screen.getByTestId('phone-preview').getAttribute('data-channel')).toBe('sms');
  });

  it('shows no chooser without test contacts (the sample stays editable)', async () => {
    echo([]);
    render(
      <SampleProvider>
        <LiquidPreview template="Hi" />
      </SampleProvider>,
    );
    await screen.findByTestId('liquid-preview');
    expect(screen.queryByTestId('preview-as')).toBeNull();
    expect(screen.getByTestId('edit-sample').textContent).toBe('Sample: Ana');
    expect(screen.queryByTestId('phone-preview')).toBeNull();
  });

  it('a WhatsApp message is a chat bubble on a phone, its buttons quick replies', async () => {
    echo([]);
    render(
      <SampleProvider>
        <LiquidPreview
          template="Hi"
          frame={{ channel: 'whatsapp', template: 'appointment_reminder', buttons: [{ id: 'confirm', title: 'Confirm' }, { id: 'reschedule', title: 'Reschedule' }] }}
        />
      </SampleProvider>,
    );
    await screen.findByTestId('liquid-preview');
    const phone = screen.getByTestId('phone-preview');
    expect(phone.getAttribute('data-channel')).toBe('whatsapp');
    expect(phone.textContent).toContain('Template appointment_reminder');
    expect(screen.getAllByTestId('phone-quick-reply').map((b) => b.textContent)).toEqual(['Confirm', 'Reschedule']);
  });

  it('an email is an inbox card with its subject rendered for the contact', async () => {
    const calls: Record<string, unknown>[] = [];
    echo(calls);
    render(
      <TestContactsContext.Provider value={{ contacts, triggerEvents: [] }}>
        <SampleProvider>
          <LiquidPreview template="Body" frame={{ channel: 'email', subject: 'subject {{ contact.first_name }}' }} />
        </SampleProvider>
      </TestContactsContext.Provider>,
    );
    fireEvent.change(screen.getByTestId('preview-as'), { target: { value: 'contact:ben' } });
    await waitFor(() => expect(screen.getByTestId('email-subject').textContent).toBe('Subject for Ben'));
    expect(screen.getByTestId('email-preview')).toBeTruthy();
    expect(screen.queryByTestId('phone-preview')).toBeNull();
    expect(calls.some((c) => c.template === 'subject {{ contact.first_name }}')).toBe(true);
  });
});
