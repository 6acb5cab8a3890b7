// A large generated simulation in the editor against the real backend: 100,000 contacts, whose
// progress (contacts done, streamed by `simulate_journey_stream`) moves while it runs; one run
// cancelled (the editor is ready again at once), another run to the end; then following one
// generated contact shows its timeline from a run of that contact alone — the request names the
// contact, the server answers `simulated: 1`, and it takes a fraction of the full run's time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, expectEventually, gotoRoute, tid, withBrowser } from '../lib/app.mjs';

const btest = withBrowser({ test, before, after });

const COUNT = 100_000;

/** The data-done values the progress indicator shows, sampled until `enough` says stop (or it disappears). */
async function sampleProgress(page, enough, timeout = 120_000) {
  const seen = [];
  const started = Date.now();
  while (Date.now() - started < timeout) {
    const done = await page
      .locator(tid('sim-progress-done'))
      .getAttribute('data-done', { timeout: 200 })
      .catch(() => null);
    if (done === null) {
      if (seen.length > 0) break;
    } else if (seen[seen.length - 1] !== Number(done)) {
      seen.push(Number(done));
      if (enough(seen)) break;
    }
    await page.waitForTimeout(25);
  }
  return seen;
}

btest(
  'a 100,000-contact simulation shows progress, can be cancelled, completes, and follows one contact alone',
  async (page) => {
    const template = (await api('list_templates')).find((t) => t.id === 'appointment-reminder');
    const sample = (await api('list_scenarios')).find((s) => s.file.endsWith('population-appointment-reminder.scenario.json'));
    assert.ok(sample, 'the population sample is listed');
    const scenario = { ...sample.scenario, name: 'Large population', population: { ...sample.scenario.population, count: COUNT } };
    await api('save_journey', { file: 'large.journey.json', journey: template.journey });
    await api('save_scenario', { file: 'large.scenario.json', scenario });

    await gotoRoute(page, `/journey/${encodeURIComponent('large.journey.json')}`);
    await expectEventually(async () => (await page.locator(tid('validation-status')).innerText()).trim() === 'Valid', 'the journey to validate');
    await page.locator(tid('tab-simulate')).click();
    const select = page.locator(tid('scenario-select'));
    await expectEventually(async () => (await select.inputValue()) === 'file:large.scenario.json', 'the scenario next to the journey to be preselected');
    const run = page.locator(tid('run-simulation'));
    assert.ok((await run.innerText()).includes('100,000 contacts'), await run.innerText());

    // 1. A run whose progress moves, cancelled midway.
    await run.click();
    await page.locator(tid('sim-progress')).waitFor();
    const first = await sampleProgress(page, (seen) => seen.filter((n) => n > 0).length >= 2);
    assert.ok(first.filter((n) => n > 0).length >= 2, `the count of contacts done moved: ${first}`);
    assert.ok(first[first.length - 1] < COUNT, `the run was still going: ${first}`);
    const cancelledAt = Date.now();
    await page.locator(tid('cancel-simulation')).click();
    await page.locator(tid('sim-cancelled')).waitFor({ timeout: 2_000 });
    assert.equal((await page.locator(tid('sim-cancelled')).innerText()).trim(), 'Simulation cancelled');
    assert.equal(await page.locator(tid('sim-progress')).count(), 0);
    assert.equal(await run.isEnabled(), true);
    const readyAfter = Date.now() - cancelledAt;
    assert.ok(readyAfter < 2_000, `ready ${readyAfter} ms after Cancel`);
    assert.equal(await page.locator(tid('sim-summary')).count(), 0, 'a cancelled run shows no results');

    // 2. A run to the end.
    const fullStarted = Date.now();
    const fullAnswer = page.waitForResponse((r) => r.url().endsWith('/api/simulate_journey_stream'), { timeout: 120_000 });
    await run.click();
    const second = await sampleProgress(page, () => false);
    await page.locator(tid('sim-summary')).waitFor({ timeout: 120_000 });
    const fullMs = Date.now() - fullStarted;
    assert.equal((await fullAnswer).status(), 200);
    assert.ok(new Set(second).size >= 2, `progress moved on the second run too: ${second}`);
    assert.match((await page.locator(tid('sim-contacts')).innerText()).replace(/[^0-9]/g, ''), new RegExp(`^${COUNT}$`));

    // 3. Follow one generated contact: its timeline comes from a run of that contact alone.
    const small = { ...scenario, population: { ...scenario.population, count: 3_000 } };
    const withSteps = await api('simulate_journey', { journey: template.journey, scenario: small, contacts: 'all' });
    // One in the middle of the 3,000 that entered (its spec depends only on the seed and its index).
    const followed = withSteps.contacts.slice(1_500).find((c) => c.outcome !== 'not_entered' && c.steps.length > 3);
    assert.ok(followed, 'a generated contact entered');
    await page.locator(tid('sim-contact-search')).fill(followed.id);
    const requests = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/simulate_journey')) requests.push(r);
    });
    const followAnswer = page.waitForResponse((r) => r.url().endsWith('/api/simulate_journey'), { timeout: 30_000 });
    const followStarted = Date.now();
    await page.locator(tid(`sim-contact-${followed.id}`)).click();
    const answer = await followAnswer;
    await expectEventually(async () => (await page.locator(`${tid('sim-timeline')} ${tid('timeline-step')}`).count()) > 0, 'the timeline to appear', 30_000);
    const followMs = Date.now() - followStarted;
    assert.equal(requests.length, 1, 'one request, and no second full run');
    const sent = JSON.parse(requests[0].postData());
    assert.deepEqual(sent.contacts, [followed.id]);
    const body = await answer.json();
    assert.equal(body.simulated, 1, 'the server simulated one contact');
    assert.deepEqual(body.contacts.map((c) => c.id), [followed.id]);
    assert.equal(await page.locator(`${tid('sim-timeline')} ${tid('timeline-step')}`).count(), body.contacts[0].steps.length);
    // The trace is the one a run of everybody (here the first 3,000, with their steps) gives it.
    assert.deepEqual(body.contacts[0], withSteps.contacts.find((c) => c.id === followed.id));
    const ratio = followMs / fullMs;
    console.log(`large simulation: full run of ${COUNT} ${fullMs} ms, following one contact ${followMs} ms (${ratio.toFixed(3)}x)`);
    assert.ok(ratio < 0.5, `following one contact took ${followMs} ms against ${fullMs} ms for the full run`);
  },
  { timeout: 300_000 },
);
