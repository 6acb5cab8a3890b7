// A generated 1,000-node journey (and 10,000-node ones, deep and wide) pans and zooms smoothly: frame times are measured in the page
// with requestAnimationFrame while the mouse drags the canvas and the wheel zooms it, against a
// baseline of the same page sitting idle in the same run. Prints median and p95 frame times
// (and their ratio to the idle baseline), writes them to perf.json, and asserts p95 < 67 ms (at most
// three 60 Hz frames: frame times come in 16.7 ms steps, so p95 = 50.0 ms is still smooth).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { ARTIFACT_DIR, expectEventually, gotoRoute, tid, withBrowser, WORK_DIR } from '../lib/app.mjs';
import { chainJourney, generatedJourney, treeJourney } from '../lib/generate.mjs';

const btest = withBrowser({ test, before, after });

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
    w.__framePaused = false;
    let last = null;
    const tick = (t) => {
      if (w.__framePaused) last = null;
      else if (last !== null) w.__frameDeltas.push(t - last);
      if (!w.__framePaused) last = t;
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

/**
 * A point of the empty canvas (the React Flow pane itself, no node or edge on it). The search
 * (many hit tests) runs with frame recording paused, so that it is not counted as the editor's.
 */
async function emptyPanePoint(page) {
  const point = await page.evaluate(async () => {
    window.__framePaused = true;
    await new Promise((r) => requestAnimationFrame(() => r()));
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
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__framePaused = false;
    r();
  }))));
  if (!point) throw new Error('found no empty point of the canvas to drag');
  return point;
}

/**
 * The same pans and zooms on whatever journey is open. Returns frame-time statistics over the
 * whole sequence and per phase (pan, wheel zoom, pan zoomed out).
 */
async function panAndZoom(page) {
  const phases = {};
  const mark = async (name) => {
    phases[name] = await page.evaluate(() => window.__frameDeltas.length);
  };
  await startFrames(page);
  // A fresh empty point before each drag: the canvas moved, a node may now sit under the old one.
  for (let i = 0; i < 4; i++) {
    const dx = i % 2 === 0 ? -320 : 320;
    const dy = i < 2 ? -160 : 160;
    const p = await emptyPanePoint(page);
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(p.x + dx, p.y + dy, { steps: 40 });
    await page.mouse.up();
  }
  await mark('pan');
  const w = await emptyPanePoint(page);
  for (let i = 0; i < 24; i++) {
    await page.mouse.move(w.x, w.y);
    await page.mouse.wheel(0, i < 12 ? -120 : 120);
    await page.waitForTimeout(16);
  }
  // Zoomed out: more of the journey on screen, then pan again.
  for (let i = 0; i < 8; i++) {
    await page.mouse.wheel(0, 150);
    await page.waitForTimeout(16);
  }
  await mark('zoom');
  const q = await emptyPanePoint(page);
  await page.mouse.move(q.x, q.y);
  await page.mouse.down();
  await page.mouse.move(q.x - 250, q.y - 250, { steps: 40 });
  await page.mouse.up();
  const deltas = await stopFrames(page);
  return {
    ...stats(deltas),
    pan: stats(deltas.slice(0, phases.pan)),
    zoom: stats(deltas.slice(phases.pan, phases.zoom)),
    panZoomedOut: stats(deltas.slice(phases.zoom)),
  };
}

async function idleFrames(page) {
  await page.waitForTimeout(500);
  await startFrames(page);
  await page.waitForTimeout(2000);
  return stats(await stopFrames(page));
}

btest('a generated 1,000-node journey pans and zooms with p95 frame time < 67 ms', async (page, _s, t) => {
  // Baseline in the same run: the same gestures on the 12-step appointment template.
  await gotoRoute(page, '/template/appointment-reminder');
  const status = page.locator(tid('validation-status'));
  await expectEventually(async () => (await status.innerText()).trim() === 'Valid', 'the template to validate', 30_000);
  await page.waitForTimeout(500);
  const small = await panAndZoom(page);

  const journey = generatedJourney(1000);
  const file = 'generated-1000.journey.json';
  await writeFile(path.join(WORK_DIR, file), JSON.stringify(journey, null, 2) + '\n');
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();

  const opened = Date.now();
  await gotoRoute(page, `/journey/${encodeURIComponent(file)}`);
  await expectEventually(async () => (await page.locator('.react-flow__node').count()) >= 1000, 'the generated journey to be drawn', 30_000);
  await expectEventually(async () => (await status.innerText()).trim() === 'Valid', 'the generated journey to validate', 30_000);
  const openMs = Date.now() - opened;
  const drawn = await page.locator('.react-flow__node').count();
  assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'opening a file leaves nothing unsaved');

  const idle = await idleFrames(page);
  const large = await panAndZoom(page);
  assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'panning and zooming is no edit');

  const figures = {
    nodes: journey.nodes.length,
    drawnNodes: drawn,
    openMs,
    idle,
    baseline12: small,
    panZoom1000: large,
    ratioMedian: large.median / small.median,
    ratioP95: large.p95 / small.p95,
    userAgent: await page.evaluate(() => navigator.userAgent),
    loadAverage1m: loadavg()[0],
  };
  await mkdir(ARTIFACT_DIR, { recursive: true });
  await writeFile(path.join(ARTIFACT_DIR, 'perf.json'), JSON.stringify(figures, null, 2) + '\n');
  const ms = (x) => `${x.toFixed(1)} ms`;
  const line =
    `1,000-node journey: opened and validated in ${openMs} ms (${drawn} nodes in the DOM); ` +
    `pan/zoom frames: median ${ms(large.median)}, p95 ${ms(large.p95)}, max ${ms(large.max)} over ${large.frames} frames; ` +
    `same gestures on the 12-step template (baseline): median ${ms(small.median)}, p95 ${ms(small.p95)}; ` +
    `ratio to baseline: median ×${figures.ratioMedian.toFixed(2)}, p95 ×${figures.ratioP95.toFixed(2)}; idle: median ${ms(idle.median)}; ` +
    `by phase (median/p95): pan ${ms(large.pan.median)}/${ms(large.pan.p95)}, wheel zoom ${ms(large.zoom.median)}/${ms(large.zoom.p95)}, ` +
    `pan zoomed out ${ms(large.panZoomedOut.median)}/${ms(large.panZoomedOut.p95)}; machine load average ${loadavg()[0].toFixed(1)}`;
  console.log(line);
  t.diagnostic(line);
  assert.ok(large.frames >= 30, `enough frames were measured (${large.frames})`);
  assert.ok(large.p95 < 67, `p95 frame time ${ms(large.p95)} must be < 67 ms (three 60 Hz frames)`);
}, { timeout: 240_000 });

/**
 * Opens `file` (already in the folder) from the start screen. Returns the milliseconds until the
 * first card is drawn (measured, so visible), and until the journey is validated as well.
 */
async function openTimed(page, file, steps) {
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();
  const started = Date.now();
  await gotoRoute(page, `/journey/${encodeURIComponent(file)}`);
  await page.locator('.react-flow__node').first().waitFor({ state: 'visible', timeout: 60_000 });
  const drawnMs = Date.now() - started;
  const status = page.locator(tid('validation-status'));
  await expectEventually(async () => (await status.innerText()).trim() === 'Valid', `the ${steps}-step journey to validate`, 60_000);
  const validatedMs = Date.now() - started;
  return { drawnMs, validatedMs };
}

// 10,000 steps without positions (laid out by the editor): a chain 10,000 deep and a tree of
// branches ~2,500 wide. Each opens (no "Maximum call stack size exceeded"), is measured opening and
// panning beside the 12-step template in the same run, and writes perf-10000-SHAPE.json. The
// figures are reported, not asserted beyond generous sanity bounds (as above).
const OPEN_GOAL_MS = 2000;
/** One 60 Hz frame, as requestAnimationFrame reports it (16.67 ms, with some jitter). */
const FRAME_60HZ_MS = 17;
for (const [shape, make] of [
  ['deep', chainJourney],
  ['wide', treeJourney],
]) {
  btest(`a 10,000-node ${shape} journey opens, validates and pans (figures reported)`, async (page, s, t) => {
    await gotoRoute(page, '/template/appointment-reminder');
    const status = page.locator(tid('validation-status'));
    await expectEventually(async () => (await status.innerText()).trim() === 'Valid', 'the template to validate', 30_000);
    await page.waitForTimeout(500);
    const small = await panAndZoom(page);

    const journey = make(10_000);
    const file = `generated-10000-${shape}.journey.json`;
    await writeFile(path.join(WORK_DIR, file), JSON.stringify(journey, null, 2) + '\n');
    const open = await openTimed(page, file, 10_000);
    assert.equal(await page.locator(tid('open-error')).count(), 0, 'the journey opened');
    assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'opening a file leaves nothing unsaved');
    const drawn = await page.locator('.react-flow__node').count();

    const idle = await idleFrames(page);
    const large = await panAndZoom(page);
    assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'panning and zooming is no edit');

    const figures = {
      shape,
      nodes: journey.nodes.length,
      drawnNodes: drawn,
      ...open,
      idle,
      baseline12: small,
      panZoom10000: large,
      ratioMedian: large.median / small.median,
      ratioP95: large.p95 / small.p95,
      userAgent: await page.evaluate(() => navigator.userAgent),
      loadAverage1m: loadavg()[0],
    };
    // The goal of issue 10 (a 10,000-step journey opens in under 2 s and pans at 60 fps), read
    // from the figures rather than asserted (a loaded CI machine would make it flake).
    const within = (ms) => (ms < OPEN_GOAL_MS ? 'met' : 'NOT met');
    figures.goal = {
      openMs: OPEN_GOAL_MS,
      drawnMet: open.drawnMs < OPEN_GOAL_MS,
      validatedMet: open.validatedMs < OPEN_GOAL_MS,
      panMedianMet: large.pan.median <= FRAME_60HZ_MS,
    };
    const goals =
      `10,000-node ${shape} journey, goal < ${OPEN_GOAL_MS} ms to open: first cards drawn ${within(open.drawnMs)} (${open.drawnMs} ms), ` +
      `validated ${within(open.validatedMs)} (${open.validatedMs} ms); 60 fps pan (median frame ≤ ${FRAME_60HZ_MS} ms): ` +
      `${figures.goal.panMedianMet ? 'met' : 'NOT met'} (${large.pan.median.toFixed(1)} ms, p95 ${large.pan.p95.toFixed(1)} ms); machine load average ${loadavg()[0].toFixed(1)}`;
    await mkdir(ARTIFACT_DIR, { recursive: true });
    await writeFile(path.join(ARTIFACT_DIR, `perf-10000-${shape}.json`), JSON.stringify(figures, null, 2) + '\n');
    const ms = (x) => `${x.toFixed(1)} ms`;
    const line =
      `10,000-node ${shape} journey: first cards drawn in ${open.drawnMs} ms, validated in ${open.validatedMs} ms (${drawn} nodes in the DOM); ` +
      `pan/zoom frames: median ${ms(large.median)}, p95 ${ms(large.p95)}, max ${ms(large.max)} over ${large.frames} frames; ` +
      `12-step template (baseline): median ${ms(small.median)}, p95 ${ms(small.p95)}; ` +
      `ratio to baseline: median ×${figures.ratioMedian.toFixed(2)}, p95 ×${figures.ratioP95.toFixed(2)}; idle: median ${ms(idle.median)}; ` +
      `by phase (median/p95): pan ${ms(large.pan.median)}/${ms(large.pan.p95)}, wheel zoom ${ms(large.zoom.median)}/${ms(large.zoom.p95)}, ` +
      `pan zoomed out ${ms(large.panZoomedOut.median)}/${ms(large.panZoomedOut.p95)}; machine load average ${loadavg()[0].toFixed(1)}`;
    console.log(line);
    t.diagnostic(line);
    console.log(goals);
    t.diagnostic(goals);
    assert.ok(large.frames >= 30, `enough frames were measured (${large.frames})`);
    // Sanity bounds only (a shared CI machine): the goals (< 2 s, 60 fps) are read in the figures.
    assert.ok(open.drawnMs < 30_000, `opened in ${open.drawnMs} ms`);
    assert.ok(large.p95 < 200, `p95 frame time ${ms(large.p95)} must stay < 200 ms`);

    // Its minimap is drawn as a few paths (one per colour, not one element per step) and
    // moves the view when dragged, like React Flow's.
    assert.ok((await page.locator('.react-flow__minimap-node').count()) <= 12, 'the minimap draws one path per colour');
    const transform = () => page.evaluate(() => getComputedStyle(document.querySelector('.react-flow__viewport')).transform);
    const before = await transform();
    const mm = await page.locator('.react-flow__minimap-svg').boundingBox();
    assert.ok(mm, 'the minimap is drawn');
    await page.mouse.move(mm.x + mm.width / 2, mm.y + mm.height / 2);
    await page.mouse.down();
    await page.mouse.move(mm.x + mm.width / 2 + 12, mm.y + mm.height / 2 + 12, { steps: 6 });
    await page.mouse.up();
    await expectEventually(async () => (await transform()) !== before, 'dragging the minimap to move the view', 5000);
    assert.equal(await page.locator(tid('dirty-marker')).count(), 0, 'moving the view from the minimap is no edit');
  }, { timeout: 300_000 });
}
