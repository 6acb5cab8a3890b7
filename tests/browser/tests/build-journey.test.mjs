// Builds the article's appointment-reminder journey from an empty canvas, as a marketer would:
// drag each step from the palette, fill the inspector, wire the ports by dragging from source
// handles to target handles; sees a `dead_end` problem while a port is unwired and watches it go
// once wired; saves through the file dialog, reopens from the start screen, checks nothing
// changed; then simulates test contacts and reads the per-node counts on the canvas and one
// contact's timeline. Screenshots of the editor, inspector, problems and simulation are saved.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  api,
  connect,
  dragFromPalette,
  expectEventually,
  fillField,
  gotoRoute,
  nodeSel,
  screenshot,
  tid,
  withBrowser,
  WORK_DIR,
} from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

const FILE = 'appointment.journey.json';

// The journey of the article, step by step: palette kind, grid cell (column, row) where it is
// dropped, the id it is renamed to, and the inspector fields filled in (test id → value).
const STEPS = [
  { kind: 'trigger', cell: [0, 0], id: 'booked', fields: { 'field-event': 'appointment_booked' } },
  {
    kind: 'send-sms', cell: [1, 0], id: 'confirm_sms',
    fields: { 'field-text': 'Hi {{ contact.first_name }}, your appointment on {{ event.starts_at }} is booked. Reply STOP to opt out.' },
  },
  { kind: 'branch', cell: [2, 0], id: 'starts_soon', condition: ['event.starts_at', 'within_next', '24h'] },
  {
    kind: 'wait', cell: [3, 0], id: 'wait_day_before',
    fields: { 'field-wait-mode': 'until', 'field-until-field': 'event.starts_at', 'field-until-offset': '-24h' },
  },
  {
    kind: 'send-whatsapp', cell: [1, 1], id: 'wa_reminder', template: true,
    fields: {
      'field-template-name': 'appointment_reminder',
      'field-template-language': 'en',
      'field-template-params': '{{ contact.first_name }}\n{{ event.starts_at }}',
    },
    buttons: [['confirm', 'Confirm'], ['reschedule', 'Reschedule']],
  },
  {
    kind: 'send-sms', cell: [3, 1], id: 'sms_reminder',
    fields: { 'field-text': 'Hi {{ contact.first_name }}, reminder: your appointment is on {{ event.starts_at }}.' },
  },
  {
    kind: 'wait_for', cell: [0, 1], id: 'await_reply',
    fields: { 'field-wait-for-mode': 'reply', 'field-reply-channel': 'whatsapp', 'field-timeout': '4h' },
    branches: [['confirm', 'confirm'], ['reschedule', 'reschedule']],
  },
  { kind: 'send-whatsapp', cell: [2, 1], id: 'thank_you', fields: { 'field-text': 'Thanks {{ contact.first_name }}, see you then!' } },
  {
    kind: 'send-whatsapp', cell: [0, 2], id: 'reschedule_link',
    fields: { 'field-text': 'No problem {{ contact.first_name }}. Pick a new time: https://book.example.com/r?c={{ contact.id }}' },
  },
  {
    kind: 'send-sms', cell: [2, 2], id: 'sms_followup',
    fields: { 'field-text': 'Hi {{ contact.first_name }}, reply YES to confirm your appointment or call us to reschedule.' },
  },
  {
    kind: 'webhook', cell: [1, 2], id: 'notify_scheduler',
    fields: {
      'field-url': 'https://scheduling.example.com/api/reschedule-requests',
      'field-method': 'POST',
      'field-body': '{"contact": "{{ contact.id }}"}',
    },
  },
  { kind: 'exit', cell: [3, 2], id: 'done' },
];

// Every edge, in the order they are drawn; the last one is left for the dead_end check.
const EDGES = [
  ['booked', 'next', 'confirm_sms'],
  ['confirm_sms', 'next', 'starts_soon'],
  ['starts_soon', 'yes', 'wa_reminder'],
  ['starts_soon', 'no', 'wait_day_before'],
  ['wait_day_before', 'next', 'wa_reminder'],
  ['wa_reminder', 'next', 'await_reply'],
  ['wa_reminder', 'failed', 'sms_reminder'],
  ['await_reply', 'confirm', 'thank_you'],
  ['await_reply', 'reschedule', 'reschedule_link'],
  ['await_reply', 'timeout', 'sms_followup'],
  ['thank_you', 'next', 'done'],
  ['reschedule_link', 'next', 'notify_scheduler'],
  ['notify_scheduler', 'next', 'done'],
  ['sms_followup', 'next', 'done'],
  ['sms_reminder', 'next', 'done'],
];

/** Drags a node by its header so that its centre lands on `to` (page coordinates). */
async function moveNode(page, id, to) {
  const head = page.locator(`${nodeSel(id)} .step__head`);
  const box = await page.locator(nodeSel(id)).boundingBox();
  const h = await head.boundingBox();
  const grab = { x: h.x + h.width / 2, y: h.y + h.height / 2 };
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(grab.x + (to.x - centre.x), grab.y + (to.y - centre.y), { steps: 15 });
  await page.mouse.up();
}

/** Selects a node by clicking its card (its id line, away from the handles). */
async function selectNode(page, id) {
  await page.locator(`${nodeSel(id)} .step__id, ${nodeSel(id)}`).first().click();
  await expectEventually(
    async () => (await page.locator(`${tid('inspector')} ${tid('field-id')}`).inputValue()) === id,
    `the inspector to show ${id}`,
  );
}

async function statusText(page) {
  return (await page.locator(tid('validation-status')).innerText()).trim();
}

async function problemCodes(page) {
  return page.locator(tid('problem')).evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-code')}@${r.getAttribute('data-node') ?? ''}`));
}

async function canvasEdges(page) {
  return page.locator('.react-flow__edge').count();
}

async function openSimulateTab(page) {
  const byId = page.locator(tid('tab-simulate'));
  if (await byId.count()) await byId.click();
  else await page.getByRole('tab', { name: /simulat/i }).first().click();
  await page.locator(tid('simulate-panel')).waitFor();
}

btest('build the appointment journey from an empty canvas, save, reopen, simulate', async (page) => {
  await gotoRoute(page, '/');
  await page.locator(tid('new-journey')).click();
  await page.locator('.react-flow__pane').waitFor();
  assert.equal(await page.locator('.react-flow__node').count(), 0, 'a new journey starts with an empty canvas');

  // 1. Drop every step on a 4×3 grid over the visible canvas (zoomed out to 58 % so that the
  // grid clears the minimap) and fill its inspector. The first step dropped on an empty canvas
  // is centred by the editor, so it is dragged to its cell afterwards.
  const first = STEPS[0];
  const pane0 = await page.locator('.react-flow__pane').boundingBox();
  const firstId = await dragFromPalette(page, first.kind, pane0.x + pane0.width / 2, pane0.y + pane0.height / 3);
  await page.waitForTimeout(500);
  for (let i = 0; i < 3; i++) await page.locator('.react-flow__controls-zoomout').click();
  await page.waitForTimeout(500);
  const pane = await page.locator('.react-flow__pane').boundingBox();
  const at = ([c, r]) => ({ x: pane.x + 90 + c * 170, y: pane.y + 45 + r * 105 });
  await moveNode(page, firstId, at(first.cell));
  for (const step of STEPS) {
    const p = at(step.cell);
    const created = step === first ? firstId : await dragFromPalette(page, step.kind, p.x, p.y);
    await selectNode(page, created);
    await fillField(page, 'field-id', step.id);
    await page.locator(nodeSel(step.id)).waitFor();
    await selectNode(page, step.id);
    if (step.template) await page.locator(tid('field-whatsapp-template')).check();
    for (const [field, value] of Object.entries(step.fields ?? {})) await fillField(page, field, value);
    if (step.condition) {
      const [field, op, value] = step.condition;
      await fillField(page, 'cond-field', field);
      await fillField(page, 'cond-op', op);
      await fillField(page, 'cond-value', value);
    }
    for (const [i, [id, title]] of (step.buttons ?? []).entries()) {
      await page.locator(tid('add-button')).click();
      await fillField(page, `field-button-${i}-title`, title);
      await fillField(page, `field-button-${i}-id`, id);
    }
    for (const [i, [port, button]] of (step.branches ?? []).entries()) {
      await page.locator(tid('add-branch')).click();
      await fillField(page, `field-branch-${i}-port`, port);
      await fillField(page, `field-branch-${i}-button`, button);
    }
  }
  assert.equal(await page.locator('.react-flow__node').count(), STEPS.length);

  // 2. Wire the ports by dragging from each source handle to the target handle.
  for (const [from, port, to] of EDGES.slice(0, -1)) await connect(page, from, port, to);
  assert.equal(await canvasEdges(page), EDGES.length - 1);

  // sms_reminder's `next` is unwired: a dead_end error on that node.
  await expectEventually(
    async () => JSON.stringify(await problemCodes(page)) === JSON.stringify(['dead_end@sms_reminder']) && /^1 error/.test(await statusText(page)),
    'exactly one problem: a dead_end on sms_reminder',
  );
  assert.equal(await page.locator(nodeSel('sms_reminder')).locator('[data-status]').first().getAttribute('data-status'), 'error');
  // Clicking the problem selects the step it is about.
  await page.locator(`${tid('problem')}[data-code="dead_end"]`).click();
  await expectEventually(
    async () => (await page.locator(`${tid('inspector')} ${tid('field-id')}`).inputValue()) === 'sms_reminder',
    'the problem row to select sms_reminder',
  );
  await screenshot(page, 'problems');

  const [from, port, to] = EDGES[EDGES.length - 1];
  await connect(page, from, port, to);
  await expectEventually(async () => !(await problemCodes(page)).some((c) => c.startsWith('dead_end')), 'the dead_end problem to go');
  await expectEventually(async () => (await statusText(page)) === 'Valid', 'the journey to be valid');

  // Name the journey in its settings.
  await page.locator(tid('tab-settings')).click();
  await fillField(page, 'field-journey-name', 'Appointment reminder (drawn by hand)');
  await fillField(page, 'field-journey-id', 'appointment-drawn');
  await page.locator(tid('tab-inspector')).click();

  // 3. Save through the in-app file dialog; the file holds exactly the journey drawn.
  await page.locator(tid('save')).click();
  await page.locator(tid('file-dialog')).waitFor();
  await page.locator(tid('file-dialog-name')).fill(FILE);
  await page.locator(tid('file-dialog-ok')).click();
  await expectEventually(async () => (await page.locator(tid('dirty-marker')).count()) === 0, 'the unsaved marker to clear');
  const savedText = await readFile(path.join(WORK_DIR, FILE), 'utf8');
  const saved = JSON.parse(savedText);
  assert.deepEqual(saved.nodes.map((n) => n.id).sort(), STEPS.map((s) => s.id).sort());
  const edgeKey = (e) => `${e.from}.${e.port ?? 'next'}>${e.to}`;
  assert.deepEqual(saved.edges.map(edgeKey).sort(), EDGES.map(([f, p, t]) => `${f}.${p}>${t}`).sort());
  assert.equal(saved.name, 'Appointment reminder (drawn by hand)');
  assert.equal(saved.id, 'appointment-drawn');
  const byId = Object.fromEntries(saved.nodes.map((n) => [n.id, n]));
  assert.equal(byId.booked.event, 'appointment_booked');
  assert.deepEqual(byId.starts_soon.condition, { field: 'event.starts_at', op: 'within_next', value: '24h' });
  assert.deepEqual(byId.wait_day_before.until, { field: 'event.starts_at', offset: '-24h' });
  assert.deepEqual(byId.wa_reminder.template, { name: 'appointment_reminder', language: 'en', params: ['{{ contact.first_name }}', '{{ event.starts_at }}'] });
  assert.deepEqual(byId.wa_reminder.buttons, [{ id: 'confirm', title: 'Confirm' }, { id: 'reschedule', title: 'Reschedule' }]);
  assert.equal(byId.await_reply.timeout, '4h');
  assert.deepEqual(byId.await_reply.branches.map((b) => [b.port, b.button]), [['confirm', 'confirm'], ['reschedule', 'reschedule']]);
  assert.equal(byId.notify_scheduler.url, 'https://scheduling.example.com/api/reschedule-requests');
  assert.equal((await api('validate_journey', { journey: saved })).valid, true, 'the saved file validates on the backend');

  // A scenario next to the journey (four contacts) for step 5, there before the journey reopens.
  const start = '2026-03-02T09:00:00Z';
  const contact = (id, name, replies) => ({
    id,
    timezone: 'UTC',
    attributes: { first_name: name },
    addresses: { sms: '+15550100001', whatsapp: '+15550100001' },
    consent: { sms: true, whatsapp: true },
    events: [{ at: '+0m', name: 'appointment_booked', data: { starts_at: '2026-03-05T15:00:00Z' } }],
    replies,
  });
  const scenario = {
    format: 'itinera/scenario@1',
    start,
    run_for: '14d',
    seed: 42,
    contacts: [
      contact('ana', 'Ana', [{ to: 'wa_reminder', after: '30m', channel: 'whatsapp', button: 'confirm' }]),
      contact('ben', 'Ben', [{ to: 'wa_reminder', after: '1h', channel: 'whatsapp', button: 'reschedule' }]),
      contact('cleo', 'Cleo', []),
      contact('dan', 'Dan', []),
    ],
  };
  await writeFile(path.join(WORK_DIR, 'appointment.scenario.json'), JSON.stringify(scenario, null, 2) + '\n');
  // 4. Reopen it from the start screen: same steps, same wiring, nothing to save, file untouched.
  await gotoRoute(page, '/');
  await page.locator(tid(`journey-file-${FILE}`)).click();
  await expectEventually(async () => (await page.locator('.react-flow__node').count()) === STEPS.length, 'the reopened journey to be drawn');
  const ids = await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')).sort());
  assert.deepEqual(ids, STEPS.map((s) => s.id).sort());
  assert.equal(await canvasEdges(page), EDGES.length);
  await expectEventually(async () => (await statusText(page)) === 'Valid', 'the reopened journey to be valid');
  assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'reopening leaves nothing unsaved');
  assert.equal(await readFile(path.join(WORK_DIR, FILE), 'utf8'), savedText, 'reopening does not rewrite the file');
  await page.locator(tid('fit-view')).click();
  await screenshot(page, 'editor');
  await selectNode(page, 'wa_reminder');
  // The template, its previewed parameters and the buttons in view.
  await page.locator(tid('field-channel')).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'inspector');

  // 5. Simulate: the scenario next to the journey (written before reopening), edited in the panel.
  await openSimulateTab(page);
  await expectEventually(
    async () => (await page.locator(tid('scenario-select')).inputValue()) === 'file:appointment.scenario.json',
    'the scenario next to the journey to be preselected',
  );
  // Cleo withdraws her WhatsApp consent (in the table), and the scenario is saved.
  await page.locator(tid('contact-consent-2-whatsapp')).uncheck();
  await page.locator(tid('save-scenario')).click();
  await expectEventually(async () => (await page.locator(tid('scenario-save-status')).innerText()).includes('Saved'), 'the scenario to be saved');
  const savedScenario = JSON.parse(await readFile(path.join(WORK_DIR, 'appointment.scenario.json'), 'utf8'));
  assert.equal(savedScenario.contacts[2].consent.whatsapp, false);

  await page.locator(tid('run-simulation')).click();
  await page.locator(tid('sim-summary')).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(tid('sim-outcome-exited')).getAttribute('data-count'), '4');

  // Per-node counts on the canvas. Everyone books, gets the SMS and, three days ahead of the
  // appointment, waits until the day before; Ana confirms, Ben reschedules, Dan never answers
  // (timeout → SMS follow-up), Cleo has no WhatsApp consent (failed → SMS reminder).
  const expected = {
    booked: 4, confirm_sms: 4, starts_soon: 4, wait_day_before: 4, wa_reminder: 4, await_reply: 3,
    thank_you: 1, reschedule_link: 1, notify_scheduler: 1, sms_followup: 1, sms_reminder: 1, done: 4,
  };
  for (const [id, count] of Object.entries(expected)) {
    const badge = page.locator(`${nodeSel(id)} ${tid('node-count')}`);
    await expectEventually(async () => (await badge.innerText()).trim() === String(count), `count ${count} on ${id}`);
  }

  // Traffic on the wires: one label per edge (its edge is not named on the label, so the
  // multiset of counts is compared): nobody took starts_soon.yes, Cleo alone took the failed
  // branch, three waited for a reply, one each answered, rescheduled, timed out.
  const edgeCounts = (await page.locator(tid('edge-count')).allInnerTexts()).map(Number).sort((a, b) => a - b);
  assert.deepEqual(edgeCounts, [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4, 4, 4, 4]);

  // Cleo's timeline: the WhatsApp reminder was not sent for want of consent, the SMS was.
  await page.locator(tid('sim-contact-cleo')).click();
  const timeline = page.locator(tid('sim-timeline'));
  await timeline.waitFor();
  const steps = await timeline.locator(tid('timeline-step')).evaluateAll((rows) =>
    rows.map((r) => ({ node: r.getAttribute('data-node'), reason: r.getAttribute('data-reason'), text: r.textContent })),
  );
  const wa = steps.find((s) => s.node === 'wa_reminder' && s.reason);
  assert.ok(wa, `a wa_reminder step with a reason in ${JSON.stringify(steps)}`);
  assert.equal(wa.reason, 'no_consent');
  assert.ok(steps.some((s) => s.node === 'sms_reminder'), 'cleo reached the SMS reminder');
  assert.ok(!steps.some((s) => s.node === 'await_reply'), 'cleo never waited for a reply');
  // Her path is highlighted on the canvas, the rest dimmed.
  await expectEventually(async () => (await page.locator(`${nodeSel('sms_reminder')} .step--on-path`).count()) === 1, 'sms_reminder on the path');
  assert.equal(await page.locator(`${nodeSel('thank_you')} .step--dimmed`).count(), 1, 'thank_you is dimmed');
  await page.locator(tid('fit-view')).click();
  // Results, contact list and the start of the timeline in view.
  await page.locator(tid('sim-summary')).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'simulation');

  // Editing the journey takes the counts off the canvas and marks the run as out of date.
  await page.locator(tid('tab-inspector')).click();
  await selectNode(page, 'thank_you');
  await fillField(page, 'field-text', 'Thanks {{ contact.first_name }}, see you soon!');
  await expectEventually(async () => (await page.locator(tid('node-count')).count()) === 0, 'the counts to leave the canvas');
  await page.locator(tid('tab-simulate')).click();
  await page.locator(tid('sim-stale')).waitFor();
}, { timeout: 240_000 });
