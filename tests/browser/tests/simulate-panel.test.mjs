// The Simulate panel against the real backend: the sample scenario of a template is preselected
// and its results shown are the backend's; a generated population made with the panel's form is
// accepted by the backend's scenario parser, saved next to the journey, and its totals shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { api, expectEventually, gotoRoute, nodeSel, tid, withBrowser, WORK_DIR } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

async function outcomesShown(page) {
  const rows = await page.locator('[data-testid^="sim-outcome-"]').evaluateAll((els) =>
    els.filter((e) => e.hasAttribute('data-count')).map((e) => [e.getAttribute('data-testid').slice('sim-outcome-'.length), Number(e.getAttribute('data-count'))]),
  );
  return Object.fromEntries(rows.filter(([, n]) => n > 0));
}

btest('the sample scenario of a template runs and shows the backend’s numbers', async (page) => {
  const templates = await api('list_templates');
  const template = templates.find((t) => t.id === 'appointment-reminder');
  const samples = (await api('list_scenarios')).filter((s) => s.journey_id === template.id);
  assert.ok(samples.length >= 1, 'the backend has a sample scenario for the appointment reminder');

  await gotoRoute(page, `/template/${template.id}`);
  await expectEventually(async () => (await page.locator(tid('validation-status')).innerText()).trim() === 'Valid', 'the template to validate');
  await page.locator(tid('tab-simulate')).click();
  const select = page.locator(tid('scenario-select'));
  await expectEventually(async () => (await select.inputValue()) === `file:${samples[0].file}`, 'the sample to be preselected');
  await page.locator(tid('run-simulation')).click();
  await page.locator(tid('sim-summary')).waitFor({ timeout: 30_000 });

  const expected = await api('simulate_journey', { journey: template.journey, scenario: samples[0].scenario, contacts: 'all' });
  const nonZero = Object.fromEntries(Object.entries(expected.summary.outcomes).filter(([, n]) => n > 0));
  assert.deepEqual(await outcomesShown(page), nonZero);
  assert.equal(await page.locator(tid('sim-contacts')).innerText(), String(expected.summary.contacts));
  for (const [id, counts] of Object.entries(expected.summary.nodes)) {
    assert.equal((await page.locator(`${nodeSel(id)} ${tid('node-count')}`).innerText()).trim(), String(counts.entered), `count on ${id}`);
  }
  // Every contact is listed; the first one's timeline has as many steps as the backend recorded.
  assert.equal(await page.locator('[data-testid^="sim-contact-"][data-outcome]').count(), expected.contacts.length);
  const first = expected.contacts.find((c) => c.steps.length > 0);
  await page.locator(tid(`sim-contact-${first.id}`)).click();
  assert.equal(await page.locator(`${tid('sim-timeline')} ${tid('timeline-step')}`).count(), first.steps.length);
  assert.equal(
    (await page.locator(`${tid('sim-timeline')} ${tid('timeline-step')}`).first().innerText()).includes(first.steps[0].detail),
    true,
  );
});

btest('a generated population from the form runs on the backend and is saved next to the journey', async (page) => {
  // The appointment reminder saved into the folder, then opened.
  const template = (await api('list_templates')).find((t) => t.id === 'appointment-reminder');
  await api('save_journey', { file: 'reminder.journey.json', journey: template.journey });
  await gotoRoute(page, `/journey/${encodeURIComponent('reminder.journey.json')}`);
  await expectEventually(async () => (await page.locator(tid('validation-status')).innerText()).trim() === 'Valid', 'the journey to validate');
  await page.locator(tid('tab-simulate')).click();
  await page.locator(tid('scenario-select')).selectOption('new');
  await page.locator(tid('scenario-tab-population')).click();
  await page.locator(tid('add-population')).click();
  await page.locator(tid('population-count')).fill('300');
  // 20 % of WhatsApp numbers bounce.
  await page.locator(tid('population-whatsapp-undeliverable')).fill('20');
  await page.locator(tid('population-whatsapp-undeliverable')).press('Tab');
  await page.locator(tid('save-scenario')).click();
  await expectEventually(async () => (await page.locator(tid('scenario-save-status')).innerText()).includes('Saved'), 'the scenario to be saved');
  const saved = JSON.parse(await readFile(path.join(WORK_DIR, 'reminder.scenario.json'), 'utf8'));
  assert.equal(saved.population.count, 300);
  assert.deepEqual(saved.population.delivery, { whatsapp: { undeliverable: 0.2 } });

  await page.locator(tid('run-simulation')).click();
  await page.locator(tid('sim-summary')).waitFor({ timeout: 60_000 });
  const expected = await api('simulate_journey', { journey: template.journey, scenario: saved, contacts: 'all' });
  assert.equal(await page.locator(tid('sim-contacts')).innerText(), String(expected.summary.contacts));
  assert.deepEqual(await outcomesShown(page), Object.fromEntries(Object.entries(expected.summary.outcomes).filter(([, n]) => n > 0)));
  assert.ok(expected.summary.nodes.sms_reminder?.entered > 0, 'bounced WhatsApp reminders fell back to SMS');
  assert.equal((await page.locator(`${nodeSel('sms_reminder')} ${tid('node-count')}`).innerText()).trim(), String(expected.summary.nodes.sms_reminder.entered));
}, { timeout: 120_000 });
