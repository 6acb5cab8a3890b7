import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setTransport } from '../api/backend';
import { DefaultTimezoneContext, LiquidPreview, SampleProvider } from './LiquidPreview';

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
