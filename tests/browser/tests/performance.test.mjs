// A generated 1,000-node journey pans and zooms smoothly: frame times are measured in the page
// with requestAnimationFrame while the mouse drags the canvas and the wheel zooms it, against a
// baseline of the same page sitting idle in the same run. Prints median and p95 frame times
// (and their ratio to the idle baseline), writes them to perf.json, and asserts p95 < 50 ms.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACT_DIR, WORK_DIR, browserTest, expectEventually, gotoRoute, openBrowser, tid } from '../lib/app.mjs';
import { generatedJourney } from '../lib/generate.mjs';

let session;
before(async () => {
  session = await openBrowser();
});
after(async () => {
  await session?.close();
});
const btest = (name, body, options) => browserTest(test, () => session, name, body, options);

function stats(deltas) {
  const s = [...deltas].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return { frames: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

/** Starts recording requestAnimationFrame intervals in the page. */
async function startFrames(page) {
  await page.evaluate(() => {
    const w = window;
    w.__frameDeltas = [];
    w.__frameOn = true;
    let last = null;
    const tick = (t) => {
      if (last !== null) w.__frameDeltas.push(t - last);
      last = t;
      if (w.__frameOn) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopFrames(page) {
  return page.evaluate(() => {
    window.__frameOn = false;
    return window.__frameDeltas;
  });
}

/** A point of the empty canvas (the React Flow pane itself, no node or edge on it). */
async function emptyPanePoint(page) {
  const point = await page.evaluate(() => {
    const pane = document.querySelector('.react-flow__pane');
    if (!pane) return null;
    const r = pane.getBoundingClientRect();
    for (let fy = 0.5; fy < 0.95; fy += 0.05) {
      for (let fx = 0.5; fx < 0.95; fx += 0.05) {
        for (const sx of [1, -1]) {
          const x = r.left + r.width * (sx > 0 ? fx : 1 - fx);
          const y = r.top + r.height * fy;
          const el = document.elementFromPoint(x, y);
          if (el && el.classList.contains('react-flow__pane')) return { x, y };
        }
      }
    }
    return null;
  });
  if (!point) throw new Error('found no empty point of the canvas to drag');
  return point;
}

btest('a generated 1,000-node journey pans and zooms with p95 frame time < 50 ms', async (page, _s, t) => {
  const journey = generatedJourney(1000);
  const file = 'generated-1000.journey.json';
  await writeFile(path.join(WORK_DIR, file), JSON.stringify(journey, null, 2) + '\n');

  const opened = Date.now();
  await gotoRoute(page, `/journey/${encodeURIComponent(file)}`);
  await expectEventually(async () => (await page.locator('.react-flow__node').count()) > 0, 'the generated journey to be drawn', 30_000);
  const status = page.locator(tid('validation-status'));
  await expectEventually(async () => (await status.innerText()).trim() === 'Valid', 'the generated journey to validate', 30_000);
  const openMs = Date.now() - opened;
  const drawn = await page.locator('.react-flow__node').count();

  // Baseline: the same page, idle.
  await page.waitForTimeout(500);
  await startFrames(page);
  await page.waitForTimeout(2000);
  const idle = stats(await stopFrames(page));

  // Pan: drag the empty canvas around; zoom: wheel in and out over it.
  const p = await emptyPanePoint(page);
  await startFrames(page);
  for (let i = 0; i < 4; i++) {
    const dx = i % 2 === 0 ? -320 : 320;
    const dy = i < 2 ? -160 : 160;
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(p.x + dx, p.y + dy, { steps: 40 });
    await page.mouse.up();
  }
  for (let i = 0; i < 24; i++) {
    await page.mouse.move(p.x, p.y);
    await page.mouse.wheel(0, i < 12 ? 120 : -120);
    await page.waitForTimeout(16);
  }
  // Zoomed out: most of the journey on screen, then pan again.
  for (let i = 0; i < 8; i++) {
    await page.mouse.wheel(0, 150);
    await page.waitForTimeout(16);
  }
  const q = await emptyPanePoint(page);
  await page.mouse.move(q.x, q.y);
  await page.mouse.down();
  await page.mouse.move(q.x - 250, q.y - 250, { steps: 40 });
  await page.mouse.up();
  const moving = stats(await stopFrames(page));

  const figures = {
    nodes: journey.nodes.length,
    drawnNodes: drawn,
    openMs,
    idle,
    panZoom: moving,
    ratioMedian: moving.median / idle.median,
    ratioP95: moving.p95 / idle.p95,
    userAgent: await page.evaluate(() => navigator.userAgent),
  };
  await mkdir(ARTIFACT_DIR, { recursive: true });
  await writeFile(path.join(ARTIFACT_DIR, 'perf.json'), JSON.stringify(figures, null, 2) + '\n');
  const ms = (x) => `${x.toFixed(1)} ms`;
  const line =
    `1,000-node journey: opened and validated in ${openMs} ms (${drawn} nodes in the DOM); ` +
    `pan/zoom frames: median ${ms(moving.median)}, p95 ${ms(moving.p95)}, max ${ms(moving.max)} over ${moving.frames} frames; ` +
    `idle baseline: median ${ms(idle.median)}, p95 ${ms(idle.p95)}; ratio to baseline: median ×${figures.ratioMedian.toFixed(2)}, p95 ×${figures.ratioP95.toFixed(2)}`;
  console.log(line);
  t.diagnostic(line);
  assert.ok(moving.frames >= 30, `enough frames were measured (${moving.frames})`);
  assert.ok(moving.p95 < 50, `p95 frame time ${ms(moving.p95)} must be < 50 ms`);
}, { timeout: 180_000 });
