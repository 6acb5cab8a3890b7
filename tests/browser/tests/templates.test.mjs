// The start screen and the template gallery: every template opens valid, no console error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, expectEventually, gotoRoute, nodeSel, screenshot, tid, withBrowser } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

btest('the start screen offers a new journey and the five templates', async (page) => {
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();
  await page.locator(tid('new-journey')).waitFor();
  const templates = await api('list_templates');
  assert.equal(templates.length, 5, 'the backend embeds five templates');
  for (const t of templates) {
    const card = page.locator(tid(`template-card-${t.id}`));
    await card.waitFor();
    assert.match(await card.innerText(), new RegExp(t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
  await screenshot(page, 'start-screen');
});

btest('each template opens from the start screen with status "Valid"', async (page) => {
  const templates = await api('list_templates');
  for (const t of templates) {
    await gotoRoute(page, '/');
    await page.locator(tid(`template-card-${t.id}`)).click();
    const status = page.locator(tid('validation-status'));
    await expectEventually(async () => (await status.innerText()).trim() === 'Valid', `template ${t.id} to validate`, 10_000);
    // Every node of the template is on the canvas.
    for (const n of t.journey.nodes) {
      assert.equal(await page.locator(nodeSel(n.id)).count(), 1, `node ${n.id} of ${t.id} is drawn`);
    }
    assert.equal(await page.locator('.react-flow__edge').count(), t.journey.edges.length, `every edge of ${t.id} is drawn`);
    // The header's name is not cut off: the field is as wide as the name (there is room at 1280 px).
    const name = page.locator(tid('journey-name'));
    assert.ok(await name.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `the name of ${t.id} fits its field`);
    if (t.id === 'appointment-reminder') {
      // An unbounded longest stay names the wait that depends on the contact's data.
      const facts = page.locator(tid('facts'));
      await expectEventually(async () => (await facts.innerText()).includes('unbounded (‘wait_day_before’ waits until a date in the event data (event.starts_at))'), 'the unbounded reason', 10_000);
    }
  }
});

btest('every screen opens without a console error', async (page, s) => {
  // Start screen, a template in the editor, the help overlay, the Simulate tab with a run,
  // an unknown file, a blank journey: the session fails on any console error seen.
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();
  const templates = await api('list_templates');
  await gotoRoute(page, `/template/${templates[0].id}`);
  await page.locator('.react-flow__node').first().waitFor();
  await page.locator(tid('help')).click();
  await page.keyboard.press('Escape');
  await page.locator(tid('tab-settings')).click();
  await page.locator(tid('tab-inspector')).click();
  await page.locator('.react-flow__node').first().click();
  await page.locator(tid('inspector')).waitFor();
  const simulateTab = page.locator(tid('tab-simulate'));
  if (await simulateTab.count()) await simulateTab.click();
  else await page.getByRole('tab', { name: /simulat/i }).first().click();
  await page.locator(tid('simulate-panel')).waitFor();
  await page.locator(tid('problems')).waitFor();
  await gotoRoute(page, '/new');
  await page.locator('.react-flow__pane').waitFor();
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();
  assert.deepEqual(s.errors, []);
});
