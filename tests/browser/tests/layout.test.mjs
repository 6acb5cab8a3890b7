// Auto-layout reads like the flow: for every template and the 1,000-node benchmark journey, after
// pressing "Auto-layout", computed from the rendered DOM (flow coordinates):
// - no wire segment crosses a step's rectangle (its own source and target included, but for the
//   first segment leaving the source and the last one entering the target);
// - each step's output handles, left to right, lead to targets left to right (its own children;
//   a wire to a step several wires merge into, as the exit, by the column it goes down in);
// and, after a simulation of the appointment reminder, no count on a wire overlaps another count
// or a step. Writes the ELK time for the 1,000-node journey to layout.json in the artifacts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { api, ARTIFACT_DIR, expectEventually, gotoRoute, screenshot, tid, withBrowser, WORK_DIR } from '../lib/app.mjs';
import { generatedJourney } from '../lib/generate.mjs';

const btest = withBrowser({ test, before, after }, (s) => {
  // Leaving a laid-out (so unsaved) journey asks first: yes, discard it.
  s.page.on('dialog', (d) => void d.accept());
});

/** Presses Auto-layout and waits until it has been applied; returns the button's figures. */
async function autoLayout(page) {
  const button = page.locator(tid('auto-layout'));
  const runs = Number(await button.getAttribute('data-layout-runs'));
  await button.click();
  await expectEventually(async () => Number(await button.getAttribute('data-layout-runs')) > runs, 'the auto-layout to finish', 120_000);
  await page.waitForTimeout(500); // the fit animation and React Flow's edge update
  return { engine: await button.getAttribute('data-layout-engine'), ms: Number(await button.getAttribute('data-layout-ms')) };
}

/** Zooms in (the canvas's + button) until wires are drawn: a large journey fitted is at the map level. */
async function zoomUntilWires(page) {
  for (let i = 0; i < 20 && (await page.locator(tid('canvas')).getAttribute('data-zoom')) === 'map'; i++) {
    await page.locator('.react-flow__controls-zoomin').click();
    await page.waitForTimeout(150);
  }
  assert.notEqual(await page.locator(tid('canvas')).getAttribute('data-zoom'), 'map', 'zoomed in far enough to draw wires');
  await page.waitForTimeout(300);
}

/**
 * Everything measured in the page: cards, handles, wires (their SVG paths as polylines, curves
 * sampled), counts; then the crossings and port-order faults found. All in flow coordinates.
 */
function measure() {
  const viewport = document.querySelector('.react-flow__viewport');
  const pane = document.querySelector('.react-flow').getBoundingClientRect();
  const m = /translate\(\s*(-?[\d.e]+)px,\s*(-?[\d.e]+)px\)\s*scale\(\s*([\d.e]+)\s*\)/.exec(viewport.style.transform);
  const [tx, ty, zoom] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const toFlow = (r) => ({ x: (r.left - pane.left - tx) / zoom, y: (r.top - pane.top - ty) / zoom, w: r.width / zoom, h: r.height / zoom });

  const nodes = new Map();
  for (const el of document.querySelectorAll('.react-flow__node')) {
    const box = toFlow(el.getBoundingClientRect());
    const handles = [...el.querySelectorAll('.react-flow__handle.source')].map((h) => {
      const r = toFlow(h.getBoundingClientRect());
      return { port: h.dataset.handleid, x: r.x + r.w / 2 };
    });
    nodes.set(el.dataset.id, { id: el.dataset.id, ...box, handles });
  }

  // SVG path → points (M, L, H, V, Q, C, Z; absolute or relative), curves sampled.
  const polyline = (d) => {
    const tokens = d.match(/[MLHVQCZmlhvqcz]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?/g) ?? [];
    const pts = [];
    let i = 0;
    let cmd = '';
    let cx = 0;
    let cy = 0;
    const num = () => Number(tokens[i++]);
    while (i < tokens.length) {
      if (/[A-Za-z]/.test(tokens[i])) cmd = tokens[i++];
      const rel = cmd === cmd.toLowerCase();
      const ox = rel ? cx : 0;
      const oy = rel ? cy : 0;
      switch (cmd.toUpperCase()) {
        case 'M':
        case 'L':
          cx = ox + num();
          cy = oy + num();
          pts.push({ x: cx, y: cy });
          break;
        case 'H':
          cx = ox + num();
          pts.push({ x: cx, y: cy });
          break;
        case 'V':
          cy = oy + num();
          pts.push({ x: cx, y: cy });
          break;
        case 'Q': {
          const [x1, y1, x, y] = [ox + num(), oy + num(), ox + num(), oy + num()];
          for (let k = 1; k <= 8; k++) {
            const t = k / 8;
            pts.push({ x: (1 - t) ** 2 * cx + 2 * (1 - t) * t * x1 + t * t * x, y: (1 - t) ** 2 * cy + 2 * (1 - t) * t * y1 + t * t * y });
          }
          [cx, cy] = [x, y];
          break;
        }
        case 'C': {
          const [x1, y1, x2, y2, x, y] = [ox + num(), oy + num(), ox + num(), oy + num(), ox + num(), oy + num()];
          for (let k = 1; k <= 12; k++) {
            const t = k / 12;
            const a = (1 - t) ** 3;
            const b = 3 * (1 - t) ** 2 * t;
            const c = 3 * (1 - t) * t * t;
            const e = t ** 3;
            pts.push({ x: a * cx + b * x1 + c * x2 + e * x, y: a * cy + b * y1 + c * y2 + e * y });
          }
          [cx, cy] = [x, y];
          break;
        }
        case 'Z':
          if (pts.length) pts.push({ ...pts[0] });
          break;
        default:
          i++;
      }
    }
    return pts;
  };

  // Does segment a→b pass through the inside of rectangle r (shrunk by 1 px: touching is fine)? Liang–Barsky.
  const crosses = (a, b, r) => {
    const [x0, y0, x1, y1] = [r.x + 1, r.y + 1, r.x + r.w - 1, r.y + r.h - 1];
    let t0 = 0;
    let t1 = 1;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    for (const [p, q] of [
      [-dx, a.x - x0],
      [dx, x1 - a.x],
      [-dy, a.y - y0],
      [dy, y1 - a.y],
    ]) {
      if (p === 0) {
        if (q < 0) return false;
      } else {
        const t = q / p;
        if (p < 0) t0 = Math.max(t0, t);
        else t1 = Math.min(t1, t);
        if (t0 > t1) return false;
      }
    }
    return t1 - t0 > 1e-6;
  };

  const wires = [];
  for (const el of document.querySelectorAll('.react-flow__edge')) {
    const id = el.dataset.id ?? (el.getAttribute('data-testid') ?? '').replace(/^rf__edge-/, '');
    const p = /^(.*)\/([^/>]*)>(.*?)(?:#\d+)?$/.exec(id);
    const pathEl = el.querySelector('.react-flow__edge-path');
    if (!p || !pathEl) continue;
    wires.push({ id, source: p[1], port: p[2], target: p[3], points: polyline(pathEl.getAttribute('d') ?? '') });
  }

  // A coarse grid of the cards, so that 1,000 cards × 1,250 wires stays quick.
  const CELL = 400;
  const grid = new Map();
  for (const n of nodes.values()) {
    for (let gx = Math.floor(n.x / CELL); gx <= Math.floor((n.x + n.w) / CELL); gx++) {
      for (let gy = Math.floor(n.y / CELL); gy <= Math.floor((n.y + n.h) / CELL); gy++) {
        const k = `${gx},${gy}`;
        if (!grid.has(k)) grid.set(k, []);
        grid.get(k).push(n);
      }
    }
  }
  const near = (a, b) => {
    const found = new Set();
    for (let gx = Math.floor(Math.min(a.x, b.x) / CELL); gx <= Math.floor(Math.max(a.x, b.x) / CELL); gx++) {
      for (let gy = Math.floor(Math.min(a.y, b.y) / CELL); gy <= Math.floor(Math.max(a.y, b.y) / CELL); gy++) {
        for (const n of grid.get(`${gx},${gy}`) ?? []) found.add(n);
      }
    }
    return found;
  };

  const crossings = [];
  for (const w of wires) {
    for (let s = 1; s < w.points.length; s++) {
      const a = w.points[s - 1];
      const b = w.points[s];
      for (const n of near(a, b)) {
        if (n.id === w.source && s === 1) continue; // leaving its own source
        if (n.id === w.target && s === w.points.length - 1) continue; // entering its own target
        if (crosses(a, b, n)) crossings.push(`${w.id} crosses ${n.id}`);
      }
    }
  }
  const uniqueCrossings = [...new Set(crossings)];

  // Port order. For each step, its wires sorted by handle x must go on left to right: (1) the
  // column each wire descends in once it has turned (for a wire to its own child, the child's
  // input; for a wire to a step many wires merge into, such as the one exit, where it goes down)
  // keeps the handles' order; (2) its own children (steps entered from it alone) keep it too.
  const column = (pts) => {
    const x0 = pts[0].x;
    const turn = pts.findIndex((p) => Math.abs(p.x - x0) > 0.5);
    if (turn < 0) return x0;
    const yh = pts[turn].y;
    const down = pts.findIndex((p, i) => i > turn && p.y > yh + 12);
    return (down < 0 ? pts[pts.length - 1] : pts[down]).x;
  };
  const incoming = new Map();
  for (const w of wires) incoming.set(w.target, (incoming.get(w.target) ?? new Set()).add(w.source));
  const portFaults = [];
  const bySource = new Map();
  for (const w of wires) {
    if (!bySource.has(w.source)) bySource.set(w.source, []);
    bySource.get(w.source).push(w);
  }
  for (const [source, out] of bySource) {
    const node = nodes.get(source);
    if (!node) continue;
    const pairs = [];
    for (const w of out) {
      const h = node.handles.find((x) => x.port === w.port);
      const t = nodes.get(w.target);
      if (h && t && w.target !== source && w.points.length > 1) {
        pairs.push({ port: w.port, hx: h.x, col: column(w.points), tx: t.x + t.w / 2, target: w.target, own: incoming.get(w.target).size === 1 });
      }
    }
    pairs.sort((a, b) => a.hx - b.hx);
    for (let i = 1; i < pairs.length; i++) {
      const [a, b] = [pairs[i - 1], pairs[i]];
      if (b.col < a.col - 0.5) portFaults.push(`${source}: port ${b.port} is right of ${a.port} but its wire goes down left of it (x ${b.col.toFixed(0)} < ${a.col.toFixed(0)})`);
    }
    const own = pairs.filter((p) => p.own);
    for (let i = 1; i < own.length; i++) {
      const [a, b] = [own[i - 1], own[i]];
      if (b.tx < a.tx - 0.5) portFaults.push(`${source}: port ${b.port} is right of ${a.port} but leads left (${b.target} at x ${b.tx.toFixed(0)}, ${a.target} at x ${a.tx.toFixed(0)})`);
    }
  }

  const counts = [...document.querySelectorAll('[data-testid="edge-count"]')].map((el) => ({ edge: el.dataset.edge, ...toFlow(el.getBoundingClientRect()) }));
  const overlap = (a, b) => a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5;
  const countFaults = [];
  for (let i = 0; i < counts.length; i++) {
    for (let j = i + 1; j < counts.length; j++) if (overlap(counts[i], counts[j])) countFaults.push(`count of ${counts[i].edge} overlaps count of ${counts[j].edge}`);
    for (const n of nodes.values()) if (overlap(counts[i], n)) countFaults.push(`count of ${counts[i].edge} overlaps ${n.id}`);
  }

  return { nodes: nodes.size, wires: wires.length, counts: counts.length, crossings: uniqueCrossings, portFaults, countFaults };
}

function report(name, m) {
  const line = `${name}: ${m.nodes} steps, ${m.wires} wires: ${m.crossings.length} wires crossing a step, ${m.portFaults.length} port-order faults`;
  console.log(line);
  if (m.crossings.length) console.log(`  crossings: ${m.crossings.slice(0, 12).join('; ')}`);
  if (m.portFaults.length) console.log(`  port order: ${m.portFaults.slice(0, 12).join('; ')}`);
  return line;
}

btest('after auto-layout no wire crosses a step and ports lead left to right, in every template', async (page, _s, t) => {
  const templates = await api('list_templates');
  assert.ok(templates.length >= 5, 'the templates are there');
  const faults = [];
  for (const tpl of templates) {
    await gotoRoute(page, `/template/${tpl.id}`);
    await expectEventually(async () => (await page.locator('.react-flow__node').count()) === tpl.journey.nodes.length, `${tpl.id} to be drawn`, 15_000);
    const layout = await autoLayout(page);
    await zoomUntilWires(page);
    const m = await page.evaluate(measure);
    t.diagnostic(report(tpl.id, m) + ` (${layout.engine}, ${layout.ms} ms)`);
    assert.equal(m.wires, tpl.journey.edges.length, `every wire of ${tpl.id} is drawn`);
    if (layout.engine !== 'elk') faults.push(`${tpl.id}: laid out by ${layout.engine}, not ELK`);
    faults.push(...m.crossings.map((c) => `${tpl.id}: ${c}`), ...m.portFaults.map((c) => `${tpl.id}: ${c}`));
    if (tpl.id === 'appointment-reminder') await screenshot(page, 'auto-layout');
  }
  assert.deepEqual(faults, []);
}, { timeout: 180_000 });

btest('counts on wires overlap no other count and no step after auto-layout (appointment reminder)', async (page) => {
  const template = (await api('list_templates')).find((x) => x.id === 'appointment-reminder');
  await gotoRoute(page, `/template/${template.id}`);
  await expectEventually(async () => (await page.locator(tid('validation-status')).innerText()).trim() === 'Valid', 'the template to validate', 15_000);
  await autoLayout(page);
  await page.locator(tid('tab-simulate')).click();
  await page.locator(tid('run-simulation')).click();
  await page.locator(tid('sim-summary')).waitFor({ timeout: 30_000 });
  await expectEventually(async () => (await page.locator(tid('edge-count')).count()) === template.journey.edges.length, 'a count on every wire', 15_000);
  const m = await page.evaluate(measure);
  assert.equal(m.counts, template.journey.edges.length);
  assert.deepEqual(m.countFaults, []);
  assert.deepEqual(m.crossings, []);
}, { timeout: 90_000 });

btest('the 1,000-node benchmark journey: after auto-layout no wire crosses a step, ports lead left to right', async (page, _s, t) => {
  const journey = generatedJourney(1000);
  const file = 'layout-1000.journey.json';
  await writeFile(path.join(WORK_DIR, file), JSON.stringify(journey, null, 2) + '\n');
  await gotoRoute(page, '/');
  await page.locator(tid('start-screen')).waitFor();
  await gotoRoute(page, `/journey/${encodeURIComponent(file)}`);
  await expectEventually(async () => (await page.locator('.react-flow__node').count()) >= 1000, 'the journey to be drawn', 30_000);
  const started = Date.now();
  const layout = await autoLayout(page);
  const wallMs = Date.now() - started - 500;
  await zoomUntilWires(page);
  const m = await page.evaluate(measure);
  const line = report('generated-1000', m) + `; ELK in the worker: ${layout.ms} ms (click to applied: ${wallMs} ms)`;
  t.diagnostic(line);
  await mkdir(ARTIFACT_DIR, { recursive: true });
  await writeFile(path.join(ARTIFACT_DIR, 'layout.json'), JSON.stringify({ nodes: m.nodes, wires: m.wires, engine: layout.engine, elkMs: layout.ms, wallMs }, null, 2) + '\n');
  assert.equal(m.wires, journey.edges.length, 'every wire is drawn');
  assert.deepEqual(m.crossings, []);
  assert.deepEqual(m.portFaults, []);
  assert.equal(layout.engine, 'elk', 'the 1,000-node journey is laid out by ELK');
}, { timeout: 240_000 });
