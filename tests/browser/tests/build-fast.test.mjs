// Builds the appointment reminder from a blank canvas with the building affordances only (issue
// 11, "Must show": at most 35 UI actions): the "+" after each port and its menu (insert a step,
// wired and selected; or connect the port to an existing step), the inspector's fields,
// "One branch per button" on the reply wait, and the problems panel's fix that ends every open
// path with an Exit. No palette drags, no wire drags, no moving cards.
//
// Every UI action goes through `act` and is counted: each click, each text entry (one fill() of a
// field), each choice in a select, each checkbox. The total is printed and asserted ≤ 35. Then the
// journey must be valid (header and problems panel), is laid out (README screenshot), saved, its
// file's structure checked, and simulated once with four test contacts against the real backend.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { api, expectEventually, gotoRoute, nodeSel, screenshot, tid, withBrowser, WORK_DIR } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

/** The issue's budget for building the appointment reminder from blank. */
const MAX_ACTIONS = 35;
const FILE = 'fast-appointment.journey.json';

/** Counts UI actions: `act(what, fn)` runs one action and records it. */
function actionCounter(page) {
  const log = [];
  const act = async (what, fn) => {
    log.push(what);
    await fn();
  };
  return {
    log,
    click: (what, selector) => act(`click ${what}`, () => page.locator(selector).first().click()),
    /** One text entry into the inspector field `testid` (fill() sends one input event). */
    fill: (testid, value) => act(`type ${testid}`, () => page.locator(`${tid('inspector')} ${tid(testid)}`).first().fill(value)),
    choose: (testid, value) => act(`choose ${testid}=${value}`, () => page.locator(`${tid('inspector')} ${tid(testid)}`).first().selectOption(value)),
    check: (testid) => act(`check ${testid}`, () => page.locator(`${tid('inspector')} ${tid(testid)}`).first().check()),
  };
}

/** Ids of the steps on the canvas. */
const canvasIds = (page) => page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')));

/** The id the inspector shows. */
const inspected = (page) => page.locator(`${tid('inspector')} ${tid('field-id')}`).inputValue();

async function statusText(page) {
  return (await page.locator(tid('validation-status')).innerText()).trim();
}

async function problemCodes(page) {
  return page.locator(tid('problem')).evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-code')}@${r.getAttribute('data-node') ?? ''}`));
}

btest('build the appointment reminder from blank in at most 35 actions, save it and simulate it', async (page) => {
  const ui = actionCounter(page);
  /** Runs `step` (some actions) and returns the id of the one step it added to the canvas. */
  const added = async (step) => {
    const before = new Set(await canvasIds(page));
    await step();
    let id = null;
    await expectEventually(async () => {
      const now = (await canvasIds(page)).filter((x) => !before.has(x));
      id = now.length === 1 ? now[0] : null;
      return id !== null && (await inspected(page)) === id;
    }, 'one new step, selected in the inspector');
    return id;
  };
  /** "+" after `port` of step `from`, then the insert menu's item `kind`: the new step's id. */
  const insert = (from, port, kind) =>
    added(async () => {
      await ui.click(`+ ${from}.${port}`, `${nodeSel(from)} ${tid(`port-add-${port}`)}`);
      await ui.click(`insert ${kind}`, `${tid('insert-menu')} ${tid(`insert-${kind}`)}`);
    });
  /** "+" after `port` of `from`, then "connect to" `to` in the menu. */
  const connectTo = async (from, port, to, shot) => {
    const wires = await page.locator('.react-flow__edge').count();
    await ui.click(`+ ${from}.${port}`, `${nodeSel(from)} ${tid(`port-add-${port}`)}`);
    await page.locator(`${tid('connect-menu')} ${tid(`connect-to-${to}`)}`).waitFor();
    if (shot) await screenshot(page, shot);
    await ui.click(`connect to ${to}`, `${tid('connect-menu')} ${tid(`connect-to-${to}`)}`);
    await expectEventually(async () => (await page.locator('.react-flow__edge').count()) === wires + 1, `a wire ${from}.${port} → ${to}`);
  };

  await gotoRoute(page, '/');
  await ui.click('new journey', tid('new-journey'));
  await page.locator('.react-flow__pane').waitFor();
  assert.equal(await page.locator('.react-flow__node').count(), 0, 'a new journey starts with an empty canvas');
  assert.equal(await page.locator(tid('problem')).count(), 0, 'a blank journey does not open with an error');

  // Trigger → SMS confirmation → branch "starts within the next 24 h".
  const trigger = await added(() => ui.click('palette trigger', tid('palette-trigger')));
  await ui.fill('field-event', 'appointment_booked');
  const confirm = await insert(trigger, 'next', 'send-sms');
  await ui.fill('field-text', 'Hi {{ contact.first_name }}, your appointment on {{ event.starts_at }} is booked. Reply STOP to opt out.');
  const soon = await insert(confirm, 'next', 'branch');
  await ui.fill('cond-field', 'event.starts_at');
  await ui.choose('cond-op', 'within_next'); // the value becomes 24h

  // "no": wait until 24 h before the appointment (the "until a date" mode starts at event.starts_at −24h).
  const dayBefore = await insert(soon, 'no', 'wait');
  await ui.choose('field-wait-mode', 'until');

  // "yes": the WhatsApp template with Confirm and Reschedule.
  const wa = await insert(soon, 'yes', 'send-whatsapp');
  await ui.check('field-whatsapp-template');
  await ui.fill('field-template-name', 'appointment_reminder');
  await ui.fill('field-template-params', '{{ contact.first_name }}\n{{ event.starts_at }}');
  for (const [i, title] of ['Confirm', 'Reschedule'].entries()) {
    await ui.click('add button', `${tid('inspector')} ${tid('add-button')}`);
    await ui.fill(`field-button-${i}-title`, title);
  }

  // The SMS fallback when WhatsApp fails.
  const fallback = await insert(wa, 'failed', 'send-sms');
  await ui.fill('field-text', 'Hi {{ contact.first_name }}, reminder: your appointment is on {{ event.starts_at }}. Reply YES to confirm.');

  // The wait leads to the WhatsApp step too ("+" → connect to), seen in the README's "+" menu shot.
  await connectTo(dayBefore, 'next', wa, 'build-plus-menu');

  // The reply: one branch per button, and the timeout into the SMS fallback.
  const reply = await insert(wa, 'next', 'wait_for');
  await ui.click('one branch per button', `${tid('inspector')} ${tid('branches-from-buttons')}`);
  await expectEventually(
    async () => (await page.locator(`${nodeSel(reply)} .react-flow__handle.source`).evaluateAll((hs) => hs.map((h) => h.getAttribute('data-handleid')))).join() === 'confirm,reschedule,timeout',
    'the reply step to show a port per button and its timeout',
  );
  await connectTo(reply, 'timeout', fallback);

  // Three paths stop without an end: the problems panel ends them all at once.
  await expectEventually(
    async () =>
      JSON.stringify((await problemCodes(page)).sort()) === JSON.stringify([`dead_end@${fallback}`, `dead_end@${reply}`, `dead_end@${reply}`].sort()),
    'exactly three open ends: the two reply branches and the SMS fallback',
  );
  const fixAll = page.locator(tid('problem-fix-all'));
  assert.equal((await fixAll.innerText()).trim(), 'Add an Exit to all 3 open ends');
  // Each row also has its own fix button ("Add Exit").
  assert.equal(await page.locator(`${tid('problem')} ${tid('problem-fix')}[data-fix="add-exit"]`).count(), 3);
  await screenshot(page, 'build-fix-button');
  await ui.click('add an Exit to all open ends', tid('problem-fix-all'));

  // Valid: the header says so and the problems panel has no error.
  await expectEventually(async () => (await statusText(page)) === 'Valid', 'the journey to be valid');
  await expectEventually(async () => (await page.locator(`${tid('problem')}[data-severity="error"]`).count()) === 0, 'no error in the problems panel');

  const count = ui.log.length;
  console.log(`build-fast: the appointment reminder built from blank in ${count} UI actions (at most ${MAX_ACTIONS}):\n  ${ui.log.map((a, i) => `${i + 1}. ${a}`).join('\n  ')}`);
  assert.ok(count <= MAX_ACTIONS, `${count} actions, more than ${MAX_ACTIONS}`);

  // A name, and auto-layout for the README's picture of the journey (not part of building it).
  await page.locator(tid('journey-name')).fill('Appointment reminder (built fast)');
  await page.locator(tid('auto-layout')).click();
  await page.waitForTimeout(600);
  await page.locator(tid('fit-view')).click();
  await page.waitForTimeout(400);
  await screenshot(page, 'build-appointment');

  // Save through the in-app file dialog.
  await page.locator(tid('save')).click();
  await page.locator(tid('file-dialog')).waitFor();
  await page.locator(tid('file-dialog-name')).fill(FILE);
  await page.locator(tid('file-dialog-ok')).click();
  await expectEventually(async () => (await page.locator(tid('dirty-marker')).count()) === 0, 'the unsaved marker to clear');

  // The file has the issue's shape (ids are the editor's own).
  const saved = JSON.parse(await readFile(path.join(WORK_DIR, FILE), 'utf8'));
  assert.equal(saved.name, 'Appointment reminder (built fast)');
  const byId = Object.fromEntries(saved.nodes.map((n) => [n.id, n]));
  const kinds = saved.nodes.map((n) => (n.type === 'send' ? `send:${n.channel}` : n.type)).sort();
  assert.deepEqual(kinds, ['branch', 'exit', 'exit', 'exit', 'send:sms', 'send:sms', 'send:whatsapp', 'trigger', 'wait', 'wait_for']);
  const out = (from, port = 'next') => {
    const e = saved.edges.filter((x) => x.from === from && (x.port ?? 'next') === port);
    assert.equal(e.length, 1, `one wire from ${from}.${port}`);
    return e[0].to;
  };
  assert.equal(saved.edges.length, 11);
  assert.equal(byId[trigger].event, 'appointment_booked');
  assert.equal(out(trigger), confirm);
  assert.equal(byId[confirm].channel, 'sms');
  assert.equal(out(confirm), soon);
  assert.deepEqual(byId[soon].condition, { field: 'event.starts_at', op: 'within_next', value: '24h' });
  assert.equal(out(soon, 'yes'), wa);
  assert.equal(out(soon, 'no'), dayBefore);
  assert.deepEqual(byId[dayBefore].until, { field: 'event.starts_at', offset: '-24h' });
  assert.equal(out(dayBefore), wa);
  assert.equal(byId[wa].channel, 'whatsapp');
  assert.deepEqual(byId[wa].template, { name: 'appointment_reminder', language: 'en', params: ['{{ contact.first_name }}', '{{ event.starts_at }}'] });
  assert.deepEqual(byId[wa].buttons, [{ id: 'confirm', title: 'Confirm' }, { id: 'reschedule', title: 'Reschedule' }]);
  assert.equal(out(wa), reply);
  assert.equal(out(wa, 'failed'), fallback);
  assert.deepEqual(byId[reply].reply, { channel: 'whatsapp' });
  assert.deepEqual(byId[reply].branches.map((b) => [b.port, b.button]), [['confirm', 'confirm'], ['reschedule', 'reschedule']]);
  assert.ok(byId[reply].timeout, 'the reply wait has a timeout');
  assert.equal(out(reply, 'timeout'), fallback);
  assert.equal(byId[fallback].channel, 'sms');
  for (const [from, port] of [[reply, 'confirm'], [reply, 'reschedule'], [fallback, 'next']]) assert.equal(byId[out(from, port)].type, 'exit', `${from}.${port} ends in an Exit`);
  assert.equal((await api('validate_journey', { journey: saved })).valid, true, 'the saved file validates on the backend');

  // Simulate once: four test contacts in a scenario next to the journey (Ana confirms, Ben
  // reschedules, Cleo has no WhatsApp consent, Dan never answers), run in the Simulate panel.
  const contact = (id, name, replies, whatsapp = true) => ({
    id,
    timezone: 'UTC',
    attributes: { first_name: name },
    addresses: { sms: '+15550100001', whatsapp: '+15550100001' },
    consent: { sms: true, whatsapp },
    events: [{ at: '+0m', name: 'appointment_booked', data: { starts_at: '2026-03-05T15:00:00Z' } }],
    replies,
  });
  const scenario = {
    format: 'itinera/scenario@1',
    start: '2026-03-02T09:00:00Z',
    run_for: '14d',
    seed: 7,
    contacts: [
      contact('ana', 'Ana', [{ to: wa, after: '30m', channel: 'whatsapp', button: 'confirm' }]),
      contact('ben', 'Ben', [{ to: wa, after: '1h', channel: 'whatsapp', button: 'reschedule' }]),
      contact('cleo', 'Cleo', [], false),
      contact('dan', 'Dan', []),
    ],
  };
  await writeFile(path.join(WORK_DIR, 'fast-appointment.scenario.json'), JSON.stringify(scenario, null, 2) + '\n');
  await gotoRoute(page, '/');
  await page.locator(tid(`journey-file-${FILE}`)).click();
  await expectEventually(async () => (await statusText(page)) === 'Valid', 'the reopened journey to be valid');
  await page.locator(tid('tab-simulate')).click();
  await expectEventually(
    async () => (await page.locator(tid('scenario-select')).inputValue()) === 'file:fast-appointment.scenario.json',
    'the scenario next to the journey to be preselected',
  );
  await page.locator(tid('run-simulation')).click();
  await page.locator(tid('sim-summary')).waitFor({ timeout: 30_000 });
  const expected = await api('simulate_journey', { journey: saved, scenario, contacts: 'all' });
  assert.equal(expected.summary.outcomes.exited, 4, 'everyone reaches an Exit');
  assert.equal(await page.locator(tid('sim-outcome-exited')).getAttribute('data-count'), '4');
  // Everyone waits until the day before (three days ahead); Ana and Ben answer, Dan times out and
  // Cleo's WhatsApp fails: both get the SMS fallback.
  assert.equal(expected.summary.nodes[dayBefore].entered, 4);
  assert.equal(expected.summary.nodes[reply].entered, 3);
  assert.equal(expected.summary.nodes[fallback].entered, 2);
  for (const [id, counts] of Object.entries(expected.summary.nodes)) {
    const badge = page.locator(`${nodeSel(id)} ${tid('node-count')}`);
    await expectEventually(async () => (await badge.innerText()).trim() === String(counts.entered), `count ${counts.entered} on ${id}`);
  }
}, { timeout: 240_000 });
