// The desktop window end to end, through tauri-driver (W3C WebDriver over HTTP; a plain fetch
// client, no framework). Run by tests/desktop/run.sh, which starts Xvfb and tauri-driver and
// sets DRIVER_PORT, ITINERA_DESKTOP_APP, SCREENSHOT and TEMPLATE_FILE.
//
// Opens the appointment-reminder template from the start screen, waits for live validation to
// answer through the real Tauri IPC path, asserts "Valid" and that every node of the template is
// on the canvas, and saves a screenshot. Then goes through the native dialogs as a user does
// (GTK windows outside the webview, driven with xdotool): "Save as" writes the journey where the
// save dialog says, "Open" opens the file typed into the open dialog, and closing the window with
// unsaved changes asks first: "Keep editing" keeps the window, "Discard" closes the app.
// Exits non-zero on any failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const driver = `http://127.0.0.1:${process.env.DRIVER_PORT ?? 4444}`;
const application = process.env.ITINERA_DESKTOP_APP;
const screenshot = process.env.SCREENSHOT;
const template = JSON.parse(readFileSync(process.env.TEMPLATE_FILE, 'utf8'));
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const folder = process.env.ITINERA_DIR;
const other = JSON.parse(readFileSync(process.env.OTHER_FILE, 'utf8'));

/** xdotool on the test's display; its output, trimmed. */
const xdotool = (...args) => execFileSync('xdotool', args, { encoding: 'utf8', timeout: 20000 }).trim();
/** The visible X windows titled exactly `title` (none: an empty list). */
function windows(title) {
  try {
    return xdotool('search', '--onlyvisible', '--name', `^${title}$`).split('\n').filter(Boolean);
  } catch {
    return []; // xdotool search exits 1 when nothing matches
  }
}
/** Types into the native dialog titled `title` once it is shown: each entry is text or a key. */
async function answerDialog(title, inputs) {
  await waitFor(`the native dialog "${title}"`, async () => windows(title).length > 0, 20000);
  await sleep(500); // GTK maps the window before it takes keys
  // The window found first may be one GTK replaces while mapping: focus the latest one, again
  // when focusing fails, then type through XTEST to the focused window (as a keyboard does).
  await waitFor(`focus on the native dialog "${title}"`, async () => {
    const found = windows(title);
    if (found.length === 0) return false;
    xdotool('windowfocus', '--sync', found[found.length - 1]);
    return true;
  }, 10000);
  for (const input of inputs) {
    if (input.key) xdotool('key', '--clearmodifiers', input.key);
    else xdotool('type', '--delay', '20', input.text);
    await sleep(150);
  }
  await waitFor(`the native dialog "${title}" to close`, async () => windows(title).length === 0, 20000);
}

async function webdriver(method, path, body) {
  const response = await fetch(driver + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer.value ?? answer).slice(0, 300)}`);
    error.webdriver = answer.value?.error;
    throw error;
  }
  return answer.value;
}

/** Polls `probe` until it returns a truthy value or `ms` pass; the last error is reported. */
async function waitFor(what, probe, ms = 30000) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

async function main() {
  await waitFor('tauri-driver', () => webdriver('GET', '/status').then((s) => s.ready !== false), 20000);
  const session = await webdriver('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
  });
  const id = session.sessionId;
  const find = async (css) => (await webdriver('POST', `/session/${id}/element`, { using: 'css selector', value: css }))[ELEMENT];
  const findAll = async (css) =>
    (await webdriver('POST', `/session/${id}/elements`, { using: 'css selector', value: css })).map((e) => e[ELEMENT]);
  const text = async (element) => webdriver('GET', `/session/${id}/element/${element}/text`);
  const run = (script, args = []) => webdriver('POST', `/session/${id}/execute/sync`, { script, args });
  const click = async (css) => {
    const element = await waitFor(css, () => find(css));
    try {
      await webdriver('POST', `/session/${id}/element/${element}/click`, {});
    } catch {
      await run('arguments[0].click()', [{ [ELEMENT]: element }]);
    }
  };
  const present = async (css) => (await findAll(css)).length > 0;
  let failure;
  try {
    const ipc = await waitFor('the window to load', () => run('return document.readyState === "complete" && "__TAURI_INTERNALS__" in window'));
    console.log(`desktop: window loaded, Tauri IPC present: ${ipc}`);

    const card = await waitFor('the template card on the start screen', () => find(`[data-testid="template-card-${template.id}"]`));
    try {
      await webdriver('POST', `/session/${id}/element/${card}/click`, {});
    } catch (error) {
      // WebKitWebDriver may call an element "not interactable" that a user can click: click it in the page.
      console.log(`desktop: native click refused (${error.webdriver ?? error.message}); clicking from the page`);
      await run('arguments[0].click()', [{ [ELEMENT]: card }]);
    }
    console.log(`desktop: opened template ${template.id}`);

    const status = await waitFor('a validation status', async () => {
      const value = (await text(await find('[data-testid="validation-status"]'))).trim();
      return value === '' || /validating|…|\.\.\./i.test(value) ? null : value;
    });
    console.log(`desktop: validation status "${status}"`);
    if (!/^Valid\b/.test(status)) throw new Error(`expected the status "Valid", got "${status}"`);

    const missing = [];
    for (const node of template.nodes) {
      const found = await findAll(`.react-flow__node[data-id="${node.id}"]`);
      if (found.length !== 1) missing.push(node.id);
    }
    if (missing.length > 0) throw new Error(`nodes missing from the canvas: ${missing.join(', ')}`);
    console.log(`desktop: all ${template.nodes.length} nodes of the template are on the canvas`);

    // The same IPC path, asked directly from the page: a journey with its edges removed must come
    // back invalid with dead_end diagnostics computed by the Rust validator.
    const broken = { ...template, edges: [] };
    const report = await webdriver('POST', `/session/${id}/execute/async`, {
      script:
        'const done = arguments[arguments.length - 1];' +
        'window.__TAURI_INTERNALS__.invoke("validate_journey", { journey: arguments[0] })' +
        '.then((r) => done(r), (e) => done({ rejected: e }));',
      args: [broken],
    });
    const codes = (report.diagnostics ?? []).map((d) => d.code);
    if (report.valid !== false || !codes.includes('dead_end')) {
      throw new Error(`validate_journey over IPC: expected invalid with dead_end, got ${JSON.stringify(report).slice(0, 300)}`);
    }
    console.log(`desktop: validate_journey over IPC reports ${codes.length} diagnostics for the unwired journey`);

    // The bundled engine runs in the app (on $ITINERA_ENGINE_DB here): publish the template and
    // read its status back over IPC.
    const ask = (command, args) =>
      webdriver('POST', `/session/${id}/execute/async`, {
        script:
          'const done = arguments[arguments.length - 1];' +
          'window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((r) => done(r), (e) => done({ rejected: e }));',
        args: [command, args],
      });
    const engine = await ask('engine_info', {});
    if (!engine.running || engine.db !== process.env.ITINERA_ENGINE_DB) throw new Error(`engine_info over IPC: ${JSON.stringify(engine)}`);
    const published = await ask('publish_journey', { journey: template });
    if (published.version !== 1) throw new Error(`publish_journey over IPC: ${JSON.stringify(published).slice(0, 300)}`);
    const versions = await ask('live_status', { journey: template.id });
    if (!Array.isArray(versions) || versions[0]?.status !== 'active') throw new Error(`live_status over IPC: ${JSON.stringify(versions).slice(0, 300)}`);
    console.log(`desktop: the bundled engine at ${engine.db} published ${template.id} v1 (active)`);

    await sleep(1000); // let the canvas settle (fit view animation) before the picture
    const png = await webdriver('GET', `/session/${id}/screenshot`);
    mkdirSync(dirname(screenshot), { recursive: true });
    writeFileSync(screenshot, Buffer.from(png, 'base64'));
    console.log(`desktop: screenshot saved to ${screenshot}`);

    // Save as: the GTK save dialog opens in the folder with a suggested name; a new name is typed.
    await click('[data-testid="save-as"]');
    await answerDialog('Save journey as', [{ key: 'ctrl+a' }, { text: 'reminder-copy.journey.json' }, { key: 'Return' }]);
    const saved = join(folder, 'reminder-copy.journey.json');
    await waitFor(`${saved} to be written`, async () => existsSync(saved));
    const written = JSON.parse(readFileSync(saved, 'utf8'));
    if (written.id !== template.id || written.nodes.length !== template.nodes.length) {
      throw new Error(`the saved file is not the journey: ${JSON.stringify(written).slice(0, 200)}`);
    }
    await waitFor('the editor to call the journey saved', async () => !(await present('[data-testid="dirty-marker"]')));
    console.log(`desktop: the native save dialog saved ${saved}`);

    // Open: the path is typed into the GTK open dialog's location field.
    const otherPath = join(folder, 'other.journey.json');
    writeFileSync(otherPath, JSON.stringify(other, null, 2));
    await click('[data-testid="open"]');
    await answerDialog('Open journey', [{ key: 'ctrl+l' }, { text: otherPath }, { key: 'Return' }]);
    await waitFor(`the editor to show ${other.id}`, async () => {
      const name = await run('const e = document.querySelector(\'[data-testid="journey-name"]\'); return e ? (e.value ?? e.textContent) : null');
      return name === other.name && (await present(`.react-flow__node[data-id="${other.nodes[0].id}"]`));
    });
    console.log(`desktop: the native open dialog opened ${otherPath} ("${other.name}")`);

    // An unsaved change, then the window is closed as a window manager closes it.
    const nameField = await find('[data-testid="journey-name"]');
    await webdriver('POST', `/session/${id}/element/${nameField}/value`, { text: ' (edited)' });
    await waitFor('the unsaved-changes marker', () => present('[data-testid="dirty-marker"]'));
    const [main] = await waitFor('the app window', async () => windows('Itinera').length > 0 && windows('Itinera'));
    const closeWindow = () => execFileSync('python3', [new URL('./xclose.py', import.meta.url).pathname, main], { timeout: 10000 });
    closeWindow();
    await answerDialog('Unsaved changes', [{ key: 'Escape' }]);
    await sleep(1000);
    if (windows('Itinera').length === 0) throw new Error('"Keep editing" closed the window');
    if (!(await present('[data-testid="dirty-marker"]'))) throw new Error('"Keep editing" lost the unsaved change');
    console.log('desktop: closing with unsaved changes asked first; "Keep editing" kept the window and the change');
    closeWindow();
    // The dialog's default button is Discard (the okLabel); Return presses it.
    await answerDialog('Unsaved changes', [{ key: 'Return' }]);
    await waitFor('the window to close after "Discard"', async () => windows('Itinera').length === 0, 20000);
    if (JSON.parse(readFileSync(otherPath, 'utf8')).name !== other.name) throw new Error('"Discard" wrote the discarded change');
    console.log('desktop: "Discard" closed the window without saving');
  } catch (error) {
    failure = error;
    // What the window showed, for the log: its text and a picture in tests/output/ (not committed).
    const shown = await run('return document.body ? document.body.innerText : ""').catch(() => '');
    console.error(`desktop: the window showed:\n${String(shown).slice(0, 1500)}`);
    const png = await webdriver('GET', `/session/${id}/screenshot`).catch(() => null);
    if (png) {
      const picture = new URL('../output/desktop-failure.png', import.meta.url).pathname;
      mkdirSync(dirname(picture), { recursive: true });
      writeFileSync(picture, Buffer.from(png, 'base64'));
      console.error(`desktop: screenshot of the failure: ${picture}`);
    }
  } finally {
    await webdriver('DELETE', `/session/${id}`).catch(() => {});
  }
  if (failure) throw failure;
  console.log('desktop: PASS');
}

main().catch((error) => {
  console.error(`desktop: FAIL: ${error.message}`);
  process.exit(1);
});
