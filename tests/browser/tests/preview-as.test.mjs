// "Preview as" a test contact: the appointment reminder's sample scenario gives the inspector's
// previews its contacts; the WhatsApp reminder reads as Lea (Tokyo) would get it, on a phone,
// with Confirm/Reschedule as quick replies; an email step shows an inbox card with its subject.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectEventually, gotoRoute, nodeSel, screenshot, tid, withBrowser } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

/** The appointment reminder open, with the Simulate panel's pick of its sample scenario. */
async function openWithSampleScenario(page, node) {
  await gotoRoute(page, '/template/appointment-reminder');
  await page.locator(nodeSel(node)).waitFor();
  await page.locator(tid('tab-simulate')).click();
  await expectEventually(
    async () => (await page.locator(tid('scenario-select')).inputValue()).includes('appointment-reminder'),
    'the sample scenario to be chosen',
    10_000,
  );
}

async function selectNode(page, id) {
  await page.locator(`${nodeSel(id)} .step__id, ${nodeSel(id)}`).first().click();
  await expectEventually(async () => (await page.locator(`${tid('inspector')} ${tid('field-id')}`).inputValue()) === id, `the inspector to show ${id}`);
}

btest("the WhatsApp reminder previewed as a test contact of the scenario, on a phone", async (page) => {
  await openWithSampleScenario(page, 'wa_reminder');
  await page.locator(tid('tab-inspector')).click();
  await selectNode(page, 'wa_reminder');
  const chooser = page.locator(tid('preview-as'));
  await chooser.waitFor();
  const options = await chooser.locator('option').allInnerTexts();
  assert.ok(options.includes('lea (Lea)') && options.includes('ana (Ana)'), `the scenario's contacts are offered: ${options.join(', ')}`);
  await chooser.selectOption('contact:lea');
  const text = page.locator(tid('liquid-preview'));
  // Lea's appointment (2026-03-04T15:00:00Z in her event data) in her zone: 00:00 on Thursday 5 in Tokyo.
  await expectEventually(async () => /^Lea\n.*/.test(await text.innerText()), 'the preview as Lea', 10_000);
  const rendered = await text.innerText();
  assert.match(await page.locator(tid('preview-as-contact')).innerText(), /As lea · Asia\/Tokyo · en/);
  const phone = page.locator(tid('phone-preview'));
  assert.equal(await phone.getAttribute('data-channel'), 'whatsapp');
  assert.deepEqual(await page.locator(tid('phone-quick-reply')).allInnerTexts(), ['Confirm', 'Reschedule']);
  // Another contact, another rendering (Ana writes in Portuguese, in Lisbon).
  await chooser.selectOption('contact:ana');
  await expectEventually(async () => (await text.innerText()).startsWith('Ana\n'), 'the preview as Ana', 10_000);
  assert.notEqual(await text.innerText(), rendered.replace('Lea', 'Ana'), "the date reads in each contact's own zone");
  await chooser.selectOption('contact:lea');
  await expectEventually(async () => (await text.innerText()) === rendered, 'the preview as Lea again', 10_000);
  await page.locator(tid('liquid-preview-box')).evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await screenshot(page, 'preview-as');
});

btest('a variable no test contact has is a warning on its field (unknown_variable)', async (page) => {
  await openWithSampleScenario(page, 'reschedule_link');
  await page.locator(tid('tab-inspector')).click();
  await selectNode(page, 'reschedule_link');
  assert.equal(await page.locator(tid('field-warning')).count(), 0, 'the template uses only what the contacts have');
  const text = page.locator(tid('field-text'));
  await text.fill('No problem {{ contact.first_nam }}. Pick a new time here: https://book.example.com');
  const warning = page.locator(tid('field-warning'));
  await expectEventually(async () => (await warning.count()) === 1, 'the warning under the message', 10_000);
  assert.equal(await warning.getAttribute('data-field'), 'text');
  assert.match(await warning.innerText(), /contact\.first_nam.*no contact of the scenario has.*did you mean .contact\.first_name/);
  // A warning: the journey stays valid.
  assert.equal((await page.locator(tid('validation-status')).innerText()).trim(), 'Valid');
  // The Problems panel lists it too, with its code.
  await expectEventually(async () => /first_nam/.test(await page.locator(tid('problems')).innerText()), 'the warning in the Problems panel', 10_000);
  assert.match(await page.locator(tid('problems')).innerText(), /unknown_variable/);
});

btest('a local time in event data reads as the backend resolves it, in the scenario editor and in the preview', async (page) => {
  await openWithSampleScenario(page, 'confirm_sms');
  if ((await page.locator(tid('scenario-editor')).count()) === 0) await page.locator(tid('scenario-toggle')).click();
  // Lea (Asia/Tokyo) books at +2h, 2 March 11:00 UTC (20:00 in Tokyo): "in 2 days at 09:00 local" is 4 March 09:00 there.
  await page.locator(tid('contact-edit-11')).click();
  const detail = page.locator(tid('contact-detail'));
  const value = detail.locator(tid('contact-event')).first().getByLabel('Value of starts_at');
  await value.fill('in 2 days at 09:00 local');
  const note = detail.locator(tid('event-data-resolved')).first();
  await expectEventually(async () => (await note.count()) === 1 && (await note.innerText()) === '→ 2026-03-04T00:00:00Z (Wed 4 Mar 09:00 Asia/Tokyo)', 'the resolved time under the field', 10_000);
  assert.equal(await note.getAttribute('data-ok'), 'true');
  await value.fill('in 2 dayz at 09:00 local');
  await expectEventually(async () => (await note.getAttribute('data-ok')) === 'false', 'the bad form said so', 10_000);
  assert.match(await note.innerText(), /is not a local time/);
  await value.fill('in 2 days at 09:00 local');
  await expectEventually(async () => (await note.getAttribute('data-ok')) === 'true', 'the good form again', 10_000);

  // The inspector's preview as Lea shows the same instant, in her zone.
  await page.locator(tid('tab-inspector')).click();
  await selectNode(page, 'confirm_sms');
  await page.locator(tid('preview-as')).selectOption('contact:lea');
  const text = page.locator(tid('liquid-preview'));
  await expectEventually(async () => /Wednesday 4 March at 09:00/.test(await text.innerText()), 'the preview as Lea with the resolved time', 10_000);
});
