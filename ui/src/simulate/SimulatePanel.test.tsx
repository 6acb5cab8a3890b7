import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { BackendError, setTransport, type CallOptions } from '../api/backend';
import type { JourneyDoc, ScenarioDoc, ScenarioListing, SimReport } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import SimulatePanel from './SimulatePanel';
import { forgetSimulations } from './panelMemory';
import type { SimOverlay } from './trafficOverlay';

const journey = appointment as unknown as JourneyDoc;

const sample: ScenarioDoc = {
  format: 'itinera/scenario@1',
  start: '2026-03-02T09:00:00Z',
  run_for: '14d',
  seed: 7,
  contacts: [
    {
      id: 'ana',
      timezone: 'Europe/Lisbon',
      attributes: { first_name: 'Ana' },
      addresses: { sms: '+351912000001', whatsapp: '+351912000001' },
      consent: { sms: true, whatsapp: true },
      events: [{ at: '+0m', name: 'appointment_booked', data: { starts_at: '2026-03-03T15:00:00Z' } }],
      replies: [{ to: 'wa_reminder', after: '30m', channel: 'whatsapp', button: 'confirm' }],
    },
    { id: 'ben', consent: { sms: true } },
  ],
};

const listing: ScenarioListing[] = [
  { file: 'samples/onboarding.scenario.json', name: 'Onboarding', journey_id: 'onboarding', scenario: { ...sample, seed: 1 } },
  { file: 'samples/appointment-reminder.scenario.json', name: 'Appointment reminder', journey_id: 'appointment-reminder', scenario: sample },
];

// Shaped like `itinera simulate --json` (what the backend answers); the values are made up.
const report: SimReport = {
  journey: 'appointment-reminder',
  contacts: [
    {
      id: 'ana',
      outcome: 'exited',
      exit_node: 'done',
      steps: [
        { at: '2026-03-02T09:00:00Z', node: 'booked', type: 'trigger', result: 'entered', detail: 'entered on appointment_booked' },
        { at: '2026-03-02T09:00:00Z', node: 'confirm_sms', type: 'send', result: 'sent', detail: "SMS sent: 'Hi Ana…'" },
        { at: '2026-03-02T09:00:00Z', node: 'starts_soon', type: 'branch', result: 'matched', port: 'yes', detail: 'starts within 24h → yes' },
        { at: '2026-03-02T21:30:00Z', node: 'wa_reminder', type: 'send', result: 'deferred', reason: 'quiet_hours', detail: 'deferred to 08:00 Europe/Lisbon: quiet hours' },
        { at: '2026-03-03T08:00:00Z', node: 'wa_reminder', type: 'send', result: 'sent', detail: 'WhatsApp template appointment_reminder sent' },
        { at: '2026-03-03T08:30:00Z', node: 'await_reply', type: 'wait_for', result: 'matched', port: 'confirm', detail: 'replied Confirm' },
        { at: '2026-03-03T08:30:00Z', node: 'thank_you', type: 'send', result: 'sent', detail: "WhatsApp sent: 'Thanks Ana…'" },
        { at: '2026-03-03T08:30:00Z', node: 'done', type: 'exit', result: 'exited', detail: 'exited' },
      ],
      messages: [{ node: 'confirm_sms', channel: 'sms', at: '2026-03-02T09:00:00Z', text: 'Hi Ana, your appointment…' }],
    },
    { id: 'ben', outcome: 'not_entered', exit_node: null, steps: [], messages: [] },
  ],
  summary: {
    contacts: 2,
    entered: 1,
    outcomes: { exited: 1, not_entered: 1 },
    goal_rate: 0,
    nodes: { booked: { entered: 1 }, confirm_sms: { entered: 1 }, done: { entered: 1 } },
    edges: [
      { from: 'booked', port: 'next', to: 'confirm_sms', count: 1 },
      { from: 'starts_soon', port: 'yes', to: 'wa_reminder', count: 1 },
    ],
    messages: { sms: 1, whatsapp: 2 },
  },
};

type Call = { command: string; args: Record<string, unknown> };
let calls: Call[];
let saved: ScenarioListing[];
let simulate: (args: Record<string, unknown>, options?: CallOptions) => Promise<unknown>;

beforeEach(() => {
  forgetSimulations();
  calls = [];
  saved = [];
  simulate = async () => report;
  setTransport(async (command, args, options) => {
    calls.push({ command, args });
    switch (command) {
      case 'list_scenarios':
        return [...listing, ...saved];
      case 'simulate_journey':
        return simulate(args, options);
      case 'save_scenario':
        saved = [...saved.filter((x) => x.file !== args.file), { file: String(args.file), name: String(args.file), scenario: args.scenario as ScenarioDoc }];
        return { file: args.file, text: JSON.stringify(args.scenario) };
      default:
        throw new BackendError(command, `unexpected command ${command}`);
    }
  });
});

afterEach(() => setTransport(null));

function renderPanel(overrides: Partial<Parameters<typeof SimulatePanel>[0]> = {}) {
  const onOverlay = vi.fn<(o: SimOverlay | null) => void>();
  const onSelectNode = vi.fn<(id: string) => void>();
  const j = { ...journey, id: `${journey.id}` };
  const utils = render(
    <SimulatePanel journey={j} journeyFile="clinic/appointment.journey.json" valid={true} onOverlay={onOverlay} onSelectNode={onSelectNode} {...overrides} />,
  );
  return { ...utils, onOverlay, onSelectNode, journey: j };
}

async function ready() {
  const select = await screen.findByTestId('scenario-select');
  await waitFor(() => expect((select as HTMLSelectElement).value).not.toBe(''));
  return select as HTMLSelectElement;
}

describe('SimulatePanel', () => {
  it('preselects the sample made for this journey and shows its contacts', async () => {
    renderPanel();
    const select = await ready();
    expect(select.value).toBe('file:samples/appointment-reminder.scenario.json');
    expect((screen.getByTestId('contact-id-0') as HTMLInputElement).value).toBe('ana');
    expect((screen.getByTestId('contact-timezone-0') as HTMLInputElement).value).toBe('Europe/Lisbon');
    expect((screen.getByTestId('contact-consent-1-whatsapp') as HTMLInputElement).checked).toBe(false);
  });

  it('runs the edited scenario and draws the totals on the canvas', async () => {
    const { onOverlay } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('contact-consent-1-whatsapp'));
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');

    const sent = calls.find((c) => c.command === 'simulate_journey');
    expect(sent?.args.contacts).toBe('all');
    expect((sent!.args.journey as JourneyDoc).id).toBe('appointment-reminder');
    const scenario = sent?.args.scenario as ScenarioDoc;
    expect(scenario.contacts?.[1].consent).toEqual({ sms: true, whatsapp: true });
    expect(scenario.seed).toBe(7);

    expect(screen.getByTestId('sim-outcome-exited').getAttribute('data-count')).toBe('1');
    expect(screen.getByTestId('sim-outcome-goal').getAttribute('data-count')).toBe('0');
    expect(screen.getByTestId('sim-entered').textContent).toBe('1');
    expect(screen.getByTestId('sim-messages-whatsapp').textContent).toContain('2');
    expect(onOverlay).toHaveBeenLastCalledWith({
      nodeCounts: { booked: 1, confirm_sms: 1, done: 1 },
      edgeCounts: report.summary.edges,
    });
  });

  it('selecting a contact highlights its path and shows its timeline in plain words', async () => {
    const { onOverlay, onSelectNode } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    fireEvent.click(await screen.findByTestId('sim-contact-ana'));

    const timeline = screen.getByTestId('sim-timeline');
    const steps = within(timeline).getAllByTestId('timeline-step');
    expect(steps).toHaveLength(8);
    expect(steps[3].textContent).toContain('deferred to 08:00 Europe/Lisbon: quiet hours');
    expect(steps[3].getAttribute('data-reason')).toBe('quiet_hours');
    const last = onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0];
    expect(last?.path).toEqual(['booked', 'confirm_sms', 'starts_soon', 'wa_reminder', 'await_reply', 'thank_you', 'done']);
    expect(last?.pathEdges).toContainEqual({ from: 'await_reply', port: 'confirm', to: 'thank_you' });

    expect(within(steps[3]).getByText('Mon 2 Mar 21:30')).toBeTruthy();
    fireEvent.click(within(steps[5]).getByText('await_reply'));
    expect(onSelectNode).toHaveBeenCalledWith('await_reply');

    // Selecting it again goes back to the totals.
    fireEvent.click(screen.getByTestId('sim-contact-ana'));
    expect(screen.queryByTestId('sim-timeline')).toBeNull();
    expect(onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0]?.path).toBeUndefined();
  });

  it('filters the contact list by outcome', async () => {
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    fireEvent.click(await screen.findByTestId('sim-outcome-not_entered'));
    expect(screen.queryByTestId('sim-contact-ana')).toBeNull();
    expect(screen.getByTestId('sim-contact-ben')).toBeTruthy();
    fireEvent.click(screen.getByTestId('sim-contact-ben'));
    expect(screen.getByTestId('sim-timeline').textContent).toContain('never entered');
  });

  it('shows progress and disables Run while the backend works', async () => {
    let finish: (r: SimReport) => void = () => {};
    simulate = () => new Promise((resolve) => (finish = resolve));
    renderPanel();
    await ready();
    const run = screen.getByTestId('run-simulation') as HTMLButtonElement;
    fireEvent.click(run);
    expect(await screen.findByTestId('sim-progress')).toBeTruthy();
    expect(run.disabled).toBe(true);
    await act(async () => finish(report));
    expect(screen.queryByTestId('sim-progress')).toBeNull();
    expect(run.disabled).toBe(false);
  });

  it('shows the contacts done as the backend reports them', async () => {
    let hear: CallOptions['onProgress'];
    let finish: (r: SimReport) => void = () => {};
    simulate = (_args, options) => {
      hear = options?.onProgress;
      return new Promise((resolve) => (finish = resolve));
    };
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    const done = await screen.findByTestId('sim-progress-done');
    expect(done.getAttribute('data-done')).toBe('0');
    expect(hear).toBeTypeOf('function');
    act(() => hear?.({ done: 1024, total: 100000, elapsed_ms: 120 }));
    expect(screen.getByTestId('sim-progress-done').textContent).toBe('1,024 done');
    expect(screen.getByTestId('sim-progress').textContent).toContain('Simulating 100,000 contacts');
    expect(screen.getByTestId('sim-progress').getAttribute('aria-valuenow')).toBe('1024');
    act(() => hear?.({ done: 51200, total: 100000, elapsed_ms: 900 }));
    expect(screen.getByTestId('sim-progress-done').getAttribute('data-done')).toBe('51200');
    await act(async () => finish(report));
    expect(screen.queryByTestId('sim-progress')).toBeNull();
    expect(await screen.findByTestId('sim-summary')).toBeTruthy();
  });

  it('Cancel stops the run in the backend and returns to ready with a note', async () => {
    let signal: AbortSignal | undefined;
    let finish: (r: SimReport) => void = () => {};
    simulate = (_args, options) => {
      signal = options?.signal;
      return new Promise((resolve) => (finish = resolve));
    };
    renderPanel();
    await ready();
    const run = screen.getByTestId('run-simulation') as HTMLButtonElement;
    fireEvent.click(run);
    fireEvent.click(await screen.findByTestId('cancel-simulation'));
    expect(signal?.aborted).toBe(true);
    expect(screen.queryByTestId('sim-progress')).toBeNull();
    expect(screen.getByTestId('sim-cancelled').textContent).toBe('Simulation cancelled');
    expect(run.disabled).toBe(false);
    expect(screen.queryByTestId('sim-error')).toBeNull();
    // An answer that comes anyway is ignored.
    await act(async () => finish(report));
    expect(screen.queryByTestId('sim-summary')).toBeNull();

    // The next run completes, and the note goes away.
    simulate = async () => report;
    fireEvent.click(run);
    expect(await screen.findByTestId('sim-summary')).toBeTruthy();
    expect(screen.queryByTestId('sim-cancelled')).toBeNull();
    expect(calls.filter((c) => c.command === 'simulate_journey')).toHaveLength(2);
  });

  it('an invalid journey cannot be simulated', async () => {
    renderPanel({ valid: false });
    await ready();
    expect(screen.getByTestId('sim-invalid').textContent).toContain('errors');
    expect((screen.getByTestId('run-simulation') as HTMLButtonElement).disabled).toBe(true);
  });

  it('says why the backend refused to run, with the diagnostics', async () => {
    simulate = async () => {
      throw new BackendError('simulate_journey', 'contacts[0].timezone: "Mars/Olympus" is not a time zone', 400, [
        { severity: 'error', code: 'invalid_config', message: 'bad node', node: 'wa_reminder' },
      ]);
    };
    const { onSelectNode, onOverlay } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    const error = await screen.findByTestId('sim-error');
    expect(error.textContent).toContain('Mars/Olympus');
    fireEvent.click(within(error).getByText('wa_reminder'));
    expect(onSelectNode).toHaveBeenCalledWith('wa_reminder');
    expect(onOverlay).not.toHaveBeenCalled();
  });

  it('blocks a run when two contacts share an id', async () => {
    renderPanel();
    await ready();
    fireEvent.change(screen.getByTestId('contact-id-1'), { target: { value: 'ana' } });
    expect(screen.getByTestId('scenario-problems').textContent).toContain('"ana" is used twice');
    expect((screen.getByTestId('run-simulation') as HTMLButtonElement).disabled).toBe(true);
  });

  it('adds a contact with a scripted button reply and saves next to the journey', async () => {
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('add-contact'));
    expect((screen.getByTestId('contact-id-2') as HTMLInputElement).value).toBe('contact-1');
    fireEvent.click(screen.getByTestId('add-reply'));
    const detail = screen.getByTestId('contact-detail');
    expect((within(detail).getByTestId('reply-to') as HTMLSelectElement).value).toBe('wa_reminder');
    expect((within(detail).getByTestId('reply-button') as HTMLSelectElement).value).toBe('confirm');
    fireEvent.change(within(detail).getByTestId('reply-button'), { target: { value: 'reschedule' } });

    expect((screen.getByTestId('scenario-file-name') as HTMLInputElement).value).toBe('clinic/appointment.scenario.json');
    fireEvent.click(screen.getByTestId('save-scenario'));
    await screen.findByTestId('scenario-save-status');
    const saved = calls.find((c) => c.command === 'save_scenario');
    expect(saved?.args.file).toBe('clinic/appointment.scenario.json');
    const contact = (saved!.args.scenario as ScenarioDoc).contacts?.[2];
    expect(contact?.replies).toEqual([{ to: 'wa_reminder', after: '30m', channel: 'whatsapp', button: 'reschedule' }]);
    expect(contact?.events?.[0].name).toBe('appointment_booked');
  });

  it('a generated population is sent without per-contact detail above the timeline limit', async () => {
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('scenario-tab-population'));
    fireEvent.click(screen.getByTestId('add-population'));
    fireEvent.change(screen.getByTestId('population-count'), { target: { value: '50,000' } });
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    const sent = calls.find((c) => c.command === 'simulate_journey');
    expect(sent?.args.contacts).toBeUndefined();
    expect((sent!.args.scenario as ScenarioDoc).population?.count).toBe(50000);
  });
});

describe('SimulatePanel memory', () => {
  it('keeps the scenario and the run when the tab is hidden and shown again', async () => {
    const first = renderPanel();
    await ready();
    fireEvent.change(screen.getByTestId('contact-name-0'), { target: { value: 'Anabela' } });
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    fireEvent.click(screen.getByTestId('sim-contact-ana'));
    first.unmount();

    renderPanel();
    expect((await screen.findByTestId('sim-timeline')).getAttribute('data-contact')).toBe('ana');
    // The scenario folded away after the run; it opens again as it was left.
    expect(screen.getByTestId('scenario-toggle').textContent).toContain('2 test contacts · edited');
    expect(screen.queryByTestId('contact-name-0')).toBeNull();
    fireEvent.click(screen.getByTestId('scenario-toggle'));
    expect((screen.getByTestId('contact-name-0') as HTMLInputElement).value).toBe('Anabela');
    expect(calls.filter((c) => c.command === 'simulate_journey')).toHaveLength(1);
  });

  it('marks a run made before the journey changed as stale', async () => {
    const { rerender, journey: j, onOverlay, onSelectNode } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    expect(screen.queryByTestId('sim-stale')).toBeNull();
    const edited = { ...j, name: 'Renamed' };
    rerender(<SimulatePanel journey={edited} journeyFile="clinic/appointment.journey.json" valid={true} onOverlay={onOverlay} onSelectNode={onSelectNode} />);
    expect(await screen.findByTestId('sim-stale')).toBeTruthy();
    // The timeline still reads, but nothing is drawn on the edited journey.
    const drawn = onOverlay.mock.calls.length;
    fireEvent.click(screen.getByTestId('sim-contact-ana'));
    expect(screen.getByTestId('sim-timeline')).toBeTruthy();
    expect(onOverlay.mock.calls.length).toBe(drawn);
  });
});

describe('SimulatePanel staleness', () => {
  it('moving nodes around (positions only) keeps the run current', async () => {
    const { rerender, journey: j, onOverlay, onSelectNode } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    const moved = { ...j, nodes: j.nodes.map((n) => ({ ...n, position: { x: 1, y: 2 } })) };
    rerender(<SimulatePanel journey={moved} journeyFile="clinic/appointment.journey.json" valid={true} onOverlay={onOverlay} onSelectNode={onSelectNode} />);
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.queryByTestId('sim-stale')).toBeNull();
    // A contact selected now is drawn: the run still matches the journey.
    fireEvent.click(screen.getByTestId('sim-contact-ana'));
    expect(onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0]?.path?.[0]).toBe('booked');
  });
});

describe('SimulatePanel stale scenario', () => {
  it('a run made before the scenario was edited is stale, and says it is the scenario', async () => {
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.queryByTestId('sim-stale')).toBeNull();
    fireEvent.click(screen.getByTestId('scenario-toggle'));
    fireEvent.click(screen.getByTestId('contact-consent-1-whatsapp'));
    const note = await screen.findByTestId('sim-stale');
    expect(note.textContent).toContain('The scenario changed since this run.');
    expect(note.getAttribute('data-journey-changed')).toBe('false');
    // Running again makes the results current.
    fireEvent.click(screen.getByTestId('run-simulation'));
    await waitFor(() => expect(screen.queryByTestId('sim-stale')).toBeNull());
  });

  it('a run is stale when both changed, and says so', async () => {
    const { rerender, journey: j, onOverlay, onSelectNode } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    fireEvent.click(screen.getByTestId('scenario-toggle'));
    fireEvent.click(screen.getByTestId('contact-consent-1-whatsapp'));
    rerender(<SimulatePanel journey={{ ...j, name: 'Renamed' }} journeyFile="clinic/appointment.journey.json" valid={true} onOverlay={onOverlay} onSelectNode={onSelectNode} />);
    await waitFor(() => expect(screen.getByTestId('sim-stale').textContent).toContain('The journey and the scenario changed'));
  });
});

describe('SimulatePanel tells the editor its scenario', () => {
  it('hands over the chosen scenario and each edit of it (for "Preview as")', async () => {
    const onScenario = vi.fn<(s: ScenarioDoc | null) => void>();
    renderPanel({ onScenario });
    await ready();
    await waitFor(() => expect(onScenario.mock.calls.at(-1)?.[0]?.contacts?.map((c) => c.id)).toEqual(['ana', 'ben']));
    fireEvent.change(screen.getByTestId('contact-id-1'), { target: { value: 'bea' } });
    await waitFor(() => expect(onScenario.mock.calls.at(-1)?.[0]?.contacts?.map((c) => c.id)).toEqual(['ana', 'bea']));
  });

  it('an untouched new scenario is nobody\'s choice: none is handed over until it is edited', async () => {
    const onScenario = vi.fn<(s: ScenarioDoc | null) => void>();
    renderPanel({ onScenario, journey: { ...journey, id: 'no-sample-for-this' } });
    const select = await ready();
    expect(select.value).toBe('new');
    await new Promise((r) => setTimeout(r, 300));
    expect(onScenario.mock.calls.every((c) => c[0] === null)).toBe(true);
    fireEvent.change(screen.getByTestId('contact-id-0'), { target: { value: 'zoe' } });
    await waitFor(() => expect(onScenario.mock.calls.at(-1)?.[0]?.contacts?.[0].id).toBe('zoe'));
  });
});

describe('SimulatePanel goal rate and entries', () => {
  it('shows the goal rate of a journey with a goal', async () => {
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    expect(screen.getByTestId('sim-goal-rate').textContent).toBe('0%');
    expect(screen.getByTestId('sim-outcome-goal')).toBeTruthy();
    expect(screen.getByTestId('sim-entries').textContent).toBe('1 contact entered');
  });

  it('shows no goal rate (and no goal outcome) when the journey has no goal', async () => {
    const settings = { ...journey.settings };
    delete settings.goal;
    renderPanel({ journey: { ...journey, settings } });
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    expect(screen.queryByTestId('sim-goal-rate')).toBeNull();
    expect(screen.queryByTestId('sim-outcome-goal')).toBeNull();
    expect(screen.getByTestId('sim-entries').textContent).toContain('no goal set');
  });

  it('tells entries and contacts apart when contacts entered more than once', async () => {
    simulate = async () => ({
      ...report,
      summary: { ...report.summary, contacts: 12, entered: 12, nodes: { ...report.summary.nodes, booked: { entered: 14 } } },
    });
    renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    expect(screen.getByTestId('sim-entries').textContent).toBe('14 entries by 12 contacts');
    expect(screen.getByTestId('sim-entered').textContent).toBe('12');
  });
});

describe('SimulatePanel and the journey file', () => {
  it('the scenario file name follows the journey once it is saved', async () => {
    const { rerender, journey: j, onOverlay, onSelectNode } = renderPanel({ journeyFile: null });
    await ready();
    expect((screen.getByTestId('scenario-file-name') as HTMLInputElement).value).toBe('appointment-reminder.scenario.json');
    rerender(<SimulatePanel journey={j} journeyFile="visits/reminder.journey.json" valid={true} onOverlay={onOverlay} onSelectNode={onSelectNode} />);
    expect((screen.getByTestId('scenario-file-name') as HTMLInputElement).value).toBe('visits/reminder.scenario.json');
  });

  it('an untouched panel mounted again lists the scenarios afresh', async () => {
    const first = renderPanel();
    await ready();
    first.unmount();
    renderPanel();
    await ready();
    expect(calls.filter((c) => c.command === 'list_scenarios')).toHaveLength(2);
    expect((screen.getByTestId('scenario-select') as HTMLSelectElement).value).toBe('file:samples/appointment-reminder.scenario.json');
  });
});

describe('SimulatePanel with a large population', () => {
  it('says which timelines were left out, and replays a selected generated contact for its timeline', async () => {
    const replayed = { ...report.contacts[0], id: 'p0' };
    simulate = async (args) =>
      Array.isArray(args.contacts)
        ? { ...report, contacts: [replayed] }
        : {
            ...report,
            contacts: [report.contacts[0], { id: 'p0', outcome: 'exited', exit_node: 'done' }],
            summary: { ...report.summary, contacts: 5001 },
          };
    const { onOverlay } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    expect((await screen.findByTestId('sim-timelines-omitted')).textContent).toContain('all 5,001');
    fireEvent.click(screen.getByTestId('sim-contact-p0'));
    expect(screen.getByTestId('sim-timeline').textContent).toContain('Replaying this generated contact');
    const runs = calls.filter((c) => c.command === 'simulate_journey');
    expect(runs).toHaveLength(2);
    expect(runs[1].args.contacts).toEqual(['p0']);
    expect(runs[1].args.scenario).toEqual(runs[0].args.scenario);
    await waitFor(() => expect(screen.getAllByTestId('timeline-step')).toHaveLength(replayed.steps!.length));
    expect(onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0]?.path?.[0]).toBe('booked');
  });
});

describe('SimulatePanel replaying generated contacts', () => {
  it('two quick selections both get their timelines, and the path drawn is the last selected', async () => {
    const base = report.contacts[0];
    simulate = async (args) =>
      Array.isArray(args.contacts)
        ? { ...report, contacts: (args.contacts as string[]).map((id) => ({ ...base, id })) }
        : {
            ...report,
            contacts: [base, { id: 'p0', outcome: 'exited', exit_node: 'done' }, { id: 'p1', outcome: 'exited', exit_node: 'done' }],
            summary: { ...report.summary, contacts: 5002 },
          };
    const { onOverlay } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-timelines-omitted');
    fireEvent.click(screen.getByTestId('sim-contact-p0'));
    fireEvent.click(screen.getByTestId('sim-contact-p1'));
    await waitFor(() => expect(screen.getAllByTestId('timeline-step')).toHaveLength(base.steps!.length));
    expect(calls.filter((c) => c.command === 'simulate_journey').map((c) => c.args.contacts).slice(1)).toEqual([['p0'], ['p1']]);
    fireEvent.click(screen.getByTestId('sim-contact-p0'));
    // p0's replay was kept: selecting it again shows its timeline without another run.
    expect(screen.getAllByTestId('timeline-step')).toHaveLength(base.steps!.length);
    expect(calls.filter((c) => c.command === 'simulate_journey')).toHaveLength(3);
    expect(onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0]?.path?.[0]).toBe('booked');
  });
});

describe('SimulatePanel on a journey being built', () => {
  it('an untouched new scenario follows the journey’s trigger and channels', async () => {
    const empty: JourneyDoc = { format: 'itinera/journey@1', id: 'draft', name: 'Draft', nodes: [], edges: [] };
    setTransport(async (command) => (command === 'list_scenarios' ? [] : null));
    const props = { journeyFile: null, valid: false, onOverlay: () => {}, onSelectNode: () => {} };
    const { rerender } = render(<SimulatePanel journey={empty} {...props} />);
    await waitFor(() => expect((screen.getByTestId('scenario-select') as HTMLSelectElement).value).toBe('new'));
    fireEvent.click(screen.getByTestId('contact-edit-0'));
    expect(screen.queryAllByTestId('contact-event')).toHaveLength(0);

    const built: JourneyDoc = {
      ...empty,
      nodes: [
        { id: 'start', type: 'trigger', event: 'order_paid' },
        { id: 'thanks', type: 'send', channel: 'email', subject: 'Thanks', text: 'Thanks!' },
      ],
    };
    rerender(<SimulatePanel journey={built} {...props} />);
    await waitFor(() => expect((screen.getByTestId('event-name') as HTMLInputElement).value).toBe('order_paid'));
    expect(screen.getByTestId('contact-address-email')).toBeTruthy();
  });
});

describe('SimulatePanel timeline zones', () => {
  it('reads a contact’s timeline in its own time zone on request', async () => {
    listing[1] = { ...listing[1], scenario: { ...sample, contacts: [{ ...sample.contacts![0], timezone: 'America/New_York' }, sample.contacts![1]] } };
    try {
      renderPanel();
      await ready();
      fireEvent.click(screen.getByTestId('run-simulation'));
      fireEvent.click(await screen.findByTestId('sim-contact-ana'));
      const first = () => screen.getAllByTestId('timeline-step')[0];
      expect(within(first()).getByText('Mon 2 Mar 09:00')).toBeTruthy();
      fireEvent.click(within(screen.getByTestId('timeline-zone')).getByText('America/New_York'));
      expect(within(first()).getByText('Mon 2 Mar 04:00')).toBeTruthy();
    } finally {
      listing[1] = { ...listing[1], scenario: sample };
    }
  });
});

describe('SimulatePanel saving a new scenario', () => {
  it('keeps the edited scenario after saving it', async () => {
    renderPanel();
    await ready();
    fireEvent.change(screen.getByTestId('scenario-select'), { target: { value: 'new' } });
    fireEvent.click(screen.getByTestId('scenario-tab-population'));
    fireEvent.click(screen.getByTestId('add-population'));
    fireEvent.change(screen.getByTestId('population-count'), { target: { value: '300' } });
    fireEvent.click(screen.getByTestId('save-scenario'));
    await screen.findByTestId('scenario-save-status');
    await new Promise((r) => setTimeout(r, 50));
    expect((screen.getByTestId('population-count') as HTMLInputElement).value).toBe('300');
    expect((screen.getByTestId('scenario-select') as HTMLSelectElement).value).toBe('file:clinic/appointment.scenario.json');
    fireEvent.click(screen.getByTestId('run-simulation'));
    await screen.findByTestId('sim-summary');
    const sent = calls.filter((c) => c.command === 'simulate_journey').pop();
    expect((sent!.args.scenario as ScenarioDoc).population?.count).toBe(300);
  });
});

describe('SimulatePanel keyboard and revert', () => {
  it('arrow keys walk the contact list and redraw the path', async () => {
    const { onOverlay } = renderPanel();
    await ready();
    fireEvent.click(screen.getByTestId('run-simulation'));
    fireEvent.click(await screen.findByTestId('sim-contact-ana'));
    fireEvent.keyDown(screen.getByTestId('sim-contact-list'), { key: 'ArrowDown' });
    expect(screen.getByTestId('sim-timeline').getAttribute('data-contact')).toBe('ben');
    expect(onOverlay.mock.calls[onOverlay.mock.calls.length - 1][0]?.path).toEqual([]);
    fireEvent.keyDown(screen.getByTestId('sim-contact-list'), { key: 'ArrowDown' });
    expect(screen.getByTestId('sim-timeline').getAttribute('data-contact')).toBe('ben');
    fireEvent.keyDown(screen.getByTestId('sim-contact-list'), { key: 'ArrowUp' });
    expect(screen.getByTestId('sim-timeline').getAttribute('data-contact')).toBe('ana');
  });

  it('reverts edits to the file as listed', async () => {
    renderPanel();
    await ready();
    fireEvent.change(screen.getByTestId('contact-name-0'), { target: { value: 'Anabela' } });
    fireEvent.click(screen.getByTestId('revert-scenario'));
    expect((screen.getByTestId('contact-name-0') as HTMLInputElement).value).toBe('Ana');
    expect(screen.queryByTestId('revert-scenario')).toBeNull();
  });
});
