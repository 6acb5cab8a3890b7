// Publish and the Live view against the real backend and its bundled engine (run.sh starts
// `itinera serve --db`): the appointment template is published after its change impact, a test
// event enters a test contact, the engine's count appears on the canvas (the step where the
// contact waits shows "1 waiting") and the contact's step log is the engine's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { api, expectEventually, gotoRoute, nodeSel, screenshot, tid, withBrowser } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

const JOURNEY = 'appointment-reminder';

btest('publish the appointment template, send a test event, see it on the canvas and in the step log', async (page) => {
  const info = await api('engine_info');
  assert.ok(info.db, 'the server runs the bundled engine (run.sh passes --db)');
  assert.equal(info.running, true);

  await gotoRoute(page, `/template/${JOURNEY}`);
  await expectEventually(async () => (await page.locator(tid('validation-status')).innerText()).trim() === 'Valid', 'the template to validate');
  const publish = page.locator(tid('publish'));
  await expectEventually(async () => await publish.isEnabled(), 'Publish to be available');
  await publish.click();

  // The change impact first (a dry run: nothing stored yet), then the real publish.
  const dialog = page.locator(tid('publish-dialog'));
  await dialog.waitFor();
  assert.ok((await dialog.locator(tid('publish-db')).innerText()).includes(info.db), 'the dialog names the engine database');
  await page.locator(tid('publish-summary')).waitFor();
  assert.deepEqual(await api('live_status', { journey: JOURNEY }), [], 'the dry run stored nothing');
  await page.locator(tid('publish-confirm')).click();
  await dialog.waitFor({ state: 'detached' });

  // The Live tab opens on the new version.
  const live = page.locator(tid('live-panel'));
  await live.waitFor();
  await live.locator(tid('live-version-1')).waitFor();
  assert.equal((await live.locator(`${tid('live-version-1')} ${tid('live-version-status')}`).innerText()).trim(), 'Running');
  assert.ok((await live.locator(tid('live-db')).innerText()).includes(info.db), 'the Live view shows where the engine database is');
  const versions = await api('live_status', { journey: JOURNEY });
  assert.equal(versions.length, 1);
  assert.equal(versions[0].status, 'active');

  // A test event for the default test contact; the appointment is far ahead, so it waits.
  assert.equal(await page.locator(tid('test-contact-id')).inputValue(), 'test-patient');
  await page.locator(tid('test-event-data')).fill(JSON.stringify({ starts_at: '2099-03-04T15:00:00Z', location: 'Rua Augusta 10' }));
  await page.locator(tid('send-test-event')).click();
  await expectEventually(async () => (await page.locator(tid('test-event-note')).innerText()).includes('Sent'), 'the test event to be sent');

  // The engine's count on the canvas: the step where the contact waits shows 1 waiting.
  let waitingAt = null;
  await expectEventually(
    async () => {
      const page_ = await api('list_enrollments', { journey: JOURNEY, search: 'test-patient' });
      const row = page_.enrollments[0];
      if (!row || row.outcome !== 'waiting') return false;
      waitingAt = row.node;
      const badge = page.locator(`${nodeSel(waitingAt)} ${tid('node-waiting')}`);
      return (await badge.count()) === 1 && (await badge.getAttribute('data-count')) === '1';
    },
    'a step of the canvas to show the test contact waiting',
    20_000,
  );
  assert.equal(await page.locator(tid('node-waiting')).count(), 1, 'only one step has someone waiting');
  assert.equal((await page.locator(`${nodeSel('booked')} ${tid('node-count')}`).innerText()).trim(), '1', 'one arrival at the trigger');
  const counts = await api('live_counts', { journey: JOURNEY });
  for (const [id, c] of Object.entries(counts.nodes)) {
    assert.equal((await page.locator(`${nodeSel(id)} ${tid('node-count')}`).innerText()).trim(), String(c.entered), `count on ${id}`);
  }

  // The contact's step log, in the simulator's timeline, equal to the engine's.
  await live.locator(tid('live-contact-test-patient')).click();
  const timeline = live.locator(`${tid('live-timeline')} ${tid('sim-timeline')}`);
  await timeline.waitFor();
  const expected = await api('contact_timeline', { journey: JOURNEY, contact: 'test-patient' });
  assert.equal(expected.steps[0].node, 'booked');
  assert.equal(expected.steps[0].result, 'entered');
  await expectEventually(async () => (await timeline.locator(tid('timeline-step')).count()) === expected.steps.length, 'the timeline to show every step');
  const nodes = await timeline.locator(tid('timeline-step')).evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
  assert.deepEqual(nodes, expected.steps.map((s) => s.node));
  assert.ok((await timeline.locator(tid('timeline-step')).first().innerText()).includes(expected.steps[0].detail));
  assert.equal(nodes.at(-1), waitingAt, 'the log ends where the contact waits');

  // The outbox lists what the engine sent (recorded: no provider is configured).
  const outbox = await api('list_outbox', { journey: JOURNEY });
  await expectEventually(async () => (await live.locator(tid('live-outbox-row')).count()) === outbox.length, 'the outbox to list every message');
  if (outbox.some((m) => m.status === 'sent')) await access(info.records);

  await page.locator(tid('fit-view')).click();
  await page.locator('.sidebar__body').evaluate((el) => el.scrollTo(0, 0));
  await screenshot(page, 'live');
}, { timeout: 60_000 });
