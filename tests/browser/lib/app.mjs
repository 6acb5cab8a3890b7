// Shared helpers of the browser tests: launching Debian's chromium through playwright-core,
// collecting console errors, talking to the server under test, and the canvas gestures
// (palette drag, port connection) the editor tests need.
//
// The server is started by run.sh; its URL and folder arrive in ITINERA_URL / ITINERA_DIR.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.ITINERA_URL ?? '';
export const WORK_DIR = process.env.ITINERA_DIR ?? '';
export const SCREENSHOT_DIR = process.env.ITINERA_SCREENSHOTS ?? '';
export const ARTIFACT_DIR = process.env.ITINERA_ARTIFACTS ?? path.join(tmpdir(), 'itinera-browser-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

if (!BASE_URL || !WORK_DIR) {
  throw new Error('ITINERA_URL and ITINERA_DIR are not set: run the tests through tests/browser/run.sh PATH/TO/itinera');
}

/**
 * A fresh chromium (its own temporary profile) with one page at 1280×800 whose console errors
 * and uncaught exceptions are collected in `errors`.
 */
export async function openBrowser() {
  const profile = await mkdtemp(path.join(tmpdir(), 'itinera-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${page.url()})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message} (${page.url()})`));
  page.on('requestfailed', (req) => {
    // A navigation away cancels pending requests: not an error of the app.
    const failure = req.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) errors.push(`request failed: ${req.method()} ${req.url()} ${failure}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** Saves a screenshot of the failing state for the person reading the CI log. */
export async function saveFailureShot(page, name) {
  try {
    await mkdir(ARTIFACT_DIR, { recursive: true });
    const file = path.join(ARTIFACT_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
    await page.screenshot({ path: file });
    return file;
  } catch {
    return null;
  }
}

/** Saves one of the README's screenshots (docs/screenshots/NAME.png) after the UI settles. */
export async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Calls the real backend directly (to read what the editor wrote, list templates...), with the
 * API secret run.sh started the server with. */
export async function api(command, args = {}) {
  const res = await fetch(`${BASE_URL}/api/${command}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Itinera-Token': process.env.ITINERA_API_TOKEN ?? '' },
    body: JSON.stringify(args),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${command}: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** `[data-testid="..."]`. */
export const tid = (id) => `[data-testid="${id}"]`;

/** The React Flow node of a journey node id. */
export const nodeSel = (id) => `.react-flow__node[data-id="${id}"]`;

/** Centre of an element's bounding box (page coordinates). */
export async function centre(locator) {
  await locator.waitFor({ state: 'visible' });
  const box = await locator.boundingBox();
  if (!box) throw new Error(`no bounding box for ${locator}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Navigates to a hash route of the app and waits for the page to be up. */
export async function gotoRoute(page, route) {
  const url = `${BASE_URL}/#${route}`;
  if (page.url().startsWith(BASE_URL)) {
    await page.evaluate((u) => {
      window.location.href = u;
    }, url);
  } else {
    await page.goto(url);
  }
}

/**
 * Fills a form control whatever it is: a select gets the option, a checkbox is set to the truthy
 * value, an input or textarea gets the text (then Tab so debounced fields commit).
 */
export async function fillField(page, testid, value) {
  const el = page.locator(tid(testid)).first();
  await el.waitFor({ state: 'visible' });
  const kind = await el.evaluate((e) => `${e.tagName.toLowerCase()}:${e.getAttribute('type') ?? ''}`);
  if (kind.startsWith('select')) {
    await el.selectOption(String(value));
  } else if (kind === 'input:checkbox') {
    await el.setChecked(Boolean(value));
  } else {
    await el.fill(String(value));
    await el.press('Tab');
  }
}

/**
 * Drags a palette item onto the canvas at page coordinates (x, y) with HTML5 drag and drop
 * (a DataTransfer shared by the dragstart/dragover/drop events), then returns the id of the
 * node that appeared.
 */
export async function dragFromPalette(page, kind, x, y) {
  const before = new Set(await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id'))));
  const item = page.locator(tid(`palette-${kind}`));
  await item.waitFor({ state: 'visible' });
  const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
  await item.dispatchEvent('dragstart', { dataTransfer });
  const pane = page.locator('.react-flow__pane').first();
  const eventInit = { dataTransfer, clientX: x, clientY: y };
  await pane.dispatchEvent('dragenter', eventInit);
  await pane.dispatchEvent('dragover', eventInit);
  await pane.dispatchEvent('drop', eventInit);
  await item.dispatchEvent('dragend', { dataTransfer });
  let added = null;
  await expectEventually(async () => {
    const now = await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')));
    added = now.find((id) => !before.has(id)) ?? null;
    return added !== null;
  }, `a ${kind} node to appear after the drop`);
  return added;
}

/**
 * Connects output port `port` of node `from` to node `to` by dragging with the mouse from the
 * source handle to the target handle, in small steps as a person would.
 */
export async function connect(page, from, port, to) {
  const source = page.locator(`${nodeSel(from)} .react-flow__handle.source[data-handleid="${port}"]`).first();
  const target = page.locator(`${nodeSel(to)} .react-flow__handle.target`).first();
  const edges = page.locator('.react-flow__edge');
  const before = await edges.count();
  const a = await centre(source);
  const b = await centre(target);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
  const hit = (pt) =>
    page.evaluate(({ x, y }) => {
      const e = document.elementFromPoint(x, y);
      return e ? `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}[${e.getAttribute('data-handleid') ?? ''}]` : 'nothing';
    }, pt);
  await expectEventually(
    async () => (await edges.count()) === before + 1,
    `an edge ${from}.${port} → ${to} after the drag (from ${JSON.stringify(a)} on ${await hit(a)} to ${JSON.stringify(b)} on ${await hit(b)})`,
  );
}

/** Polls `check` until it returns true (or throws the last error / a timeout naming `what`). */
export async function expectEventually(check, what, timeout = 8000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      if (await check()) return;
      last = null;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Registers a node:test test that runs `body(page, session)` in a shared browser session, saves
 * a screenshot when it fails, and fails it on any console error, uncaught exception or failed
 * request seen while it ran.
 */
/**
 * One browser for a test file: opened before its first test, closed after its last (`onOpen`
 * gets the session once it is open). Returns `btest(name, body, options)`: a [`browserTest`]
 * on that session.
 */
export function withBrowser({ test, before, after }, onOpen = () => {}) {
  let session;
  before(async () => {
    session = await openBrowser();
    onOpen(session);
  });
  after(async () => {
    await session?.close();
  });
  return (name, body, options) => browserTest(test, () => session, name, body, options);
}

export function browserTest(test, getSession, name, body, options = {}) {
  test(name, options, async (t) => {
    const session = getSession();
    session.errors.length = 0;
    try {
      await body(session.page, session, t);
    } catch (e) {
      const shot = await saveFailureShot(session.page, name);
      if (shot) t.diagnostic(`screenshot of the failure: ${shot}`);
      if (session.errors.length) t.diagnostic(`console errors: ${session.errors.join(' | ')}`);
      throw e;
    }
    if (session.errors.length) {
      throw new Error(`console errors while "${name}" ran:\n  ${session.errors.join('\n  ')}`);
    }
  });
}
