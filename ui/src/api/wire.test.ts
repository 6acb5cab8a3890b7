// @vitest-environment node
/**
 * The generated wire types (`generated/wire.ts`) against what the backend really reads and
 * writes: every journey and scenario of assets/ and every golden simulation report of
 * crates/sim (the Rust tests' own fixtures) is written as a TypeScript object literal that must
 * `satisfies` its generated type, and tsc checks them all. Object literals get excess-property
 * checks, so a field the Rust type renamed, dropped or never had fails here as much as a wrong
 * type or a missing required field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ui = resolve(__dirname, '../..');
const root = resolve(ui, '..');
const wire = resolve(__dirname, 'generated/wire.ts');
const tsc = resolve(ui, 'node_modules/typescript/bin/tsc');

interface Fixture {
  name: string;
  type: string;
  json: string;
}

function files(dir: string, suffix: string): string[] {
  return readdirSync(resolve(root, dir))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => resolve(root, dir, f));
}

function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const f of files('assets/journeys', '.journey.json')) out.push({ name: f, type: 'Journey', json: readFileSync(f, 'utf8') });
  for (const f of files('assets/scenarios', '.scenario.json')) out.push({ name: f, type: 'Scenario', json: readFileSync(f, 'utf8') });
  for (const f of files('crates/sim/tests/it/snapshots', '.snap').filter((f) => f.includes('it__golden__'))) {
    // An insta snapshot: a `---` header, then the report's JSON.
    const text = readFileSync(f, 'utf8');
    out.push({ name: f, type: 'SimReport', json: text.slice(text.indexOf('\n---\n') + 5) });
  }
  return out;
}

/** tsc over one file per fixture; its exit code and what it printed. */
function check(list: Fixture[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'itinera-wire-'));
  try {
    list.forEach((f, i) => {
      const body = `import type * as W from ${JSON.stringify(wire.replace(/\.ts$/, ''))};\n// ${f.name}\nexport const fixture = ${f.json.trim()} satisfies W.${f.type};\n`;
      writeFileSync(join(dir, `fixture${i}.ts`), body);
    });
    const config = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2023', types: [] }, include: ['*.ts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const run = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the generated wire types', () => {
  it('describe every journey, scenario and golden simulation report the Rust tests use', () => {
    const list = fixtures();
    expect(list.filter((f) => f.type === 'Journey').length).toBeGreaterThan(0);
    expect(list.filter((f) => f.type === 'Scenario').length).toBeGreaterThan(0);
    expect(list.filter((f) => f.type === 'SimReport').length).toBeGreaterThan(0);
    const { status, output } = check(list);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('refuse a field the Rust type does not have, a wrong node setting and a missing field', () => {
    const journey = JSON.parse(readFileSync(files('assets/journeys', '.journey.json')[0], 'utf8'));
    const unknownField = { ...journey, colour: 'blue' };
    const wrongSetting = { ...journey, nodes: [{ id: 'w', type: 'wait', for: 3 }] };
    const { nodes: _dropped, ...noNodes } = journey;
    const cases = [unknownField, wrongSetting, noNodes].map((j, i) => ({ name: `case ${i}`, type: 'Journey', json: JSON.stringify(j) }));
    const { status, output } = check(cases);
    expect(status).not.toBe(0);
    for (let i = 0; i < cases.length; i++) expect(output).toContain(`fixture${i}.ts`);
  }, 120_000);
});
