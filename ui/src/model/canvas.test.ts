import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JourneyDoc } from '../api/types';
import { canvasToJourney, journeyToCanvas, JourneyShapeError } from './canvas';
import { NODE_HEIGHT, NODE_WIDTH } from './layout';

const assets = resolve(__dirname, '../../../assets/journeys');
const templateFiles = readdirSync(assets).filter((f) => f.endsWith('.journey.json'));

function withoutPositions(doc: JourneyDoc): JourneyDoc {
  return { ...doc, nodes: doc.nodes.map(({ position: _p, ...rest }) => rest as JourneyDoc['nodes'][number]) };
}

describe('file → canvas → file', () => {
  it('finds the templates', () => {
    expect(templateFiles.length).toBeGreaterThanOrEqual(1);
  });

  it.each(templateFiles)('%s round-trips unchanged (positions included)', (file) => {
    const text = readFileSync(join(assets, file), 'utf8');
    const original = JSON.parse(text) as JourneyDoc;
    const canvas = journeyToCanvas(JSON.parse(text));
    expect(canvas.nodes.map((n) => n.id)).toEqual(original.nodes.map((n) => n.id));
    expect(canvasToJourney(canvas)).toEqual(original);
  });

  it.each(templateFiles)('%s: canvas edges use the port as source handle', (file) => {
    const original = JSON.parse(readFileSync(join(assets, file), 'utf8')) as JourneyDoc;
    const canvas = journeyToCanvas(original);
    expect(canvas.edges.map((e) => [e.source, e.sourceHandle, e.target])).toEqual(
      original.edges.map((e) => [e.from, e.port ?? 'next', e.to]),
    );
    expect(canvas.edges.every((e) => e.targetHandle === 'in')).toBe(true);
  });

  it('keeps fields it does not know, at every level', () => {
    const doc = {
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      x_owner: { team: 'crm' },
      settings: { quiet_hours: { start: '21:00', end: '08:00' }, x_note: 'keep me' },
      nodes: [
        { id: 't', type: 'trigger', event: 'signed_up', x_color: 'red', position: { x: 1.5, y: -2.25 } },
        { id: 'm', type: 'send', channel: 'sms', text: 'hi', future_field: [1, 2], position: { x: 0, y: 100 } },
        { id: 'z', type: 'teleport', destination: 'moon', position: { x: 0, y: 200 } },
      ],
      edges: [
        { from: 't', port: 'next', to: 'm', x_label: 'explicit next' },
        { from: 'm', to: 'z' },
        { from: 'm', port: 'failed', to: 'nowhere' },
      ],
    } as unknown as JourneyDoc;
    const before = structuredClone(doc);
    const out = canvasToJourney(journeyToCanvas(doc));
    expect(out).toEqual(before);
    expect(doc).toEqual(before); // the input is not mutated
  });

  it('writes `port` only when it is not `next` (unless the file wrote it)', () => {
    const doc = {
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      nodes: [
        { id: 'a', type: 'branch', position: { x: 0, y: 0 } },
        { id: 'b', type: 'exit', position: { x: 0, y: 0 } },
      ],
      edges: [],
    } as unknown as JourneyDoc;
    const canvas = journeyToCanvas(doc);
    canvas.edges.push({ ...canvas.edges[0], id: 'x', source: 'a', sourceHandle: 'yes', target: 'b', targetHandle: 'in', data: { extra: {}, explicitPort: false } });
    canvas.edges.push({ id: 'y', source: 'a', sourceHandle: 'next', target: 'b', targetHandle: 'in', data: { extra: {}, explicitPort: false } });
    expect(canvasToJourney(canvas).edges).toEqual([
      { from: 'a', port: 'yes', to: 'b' },
      { from: 'a', to: 'b' },
    ]);
  });

  it('keeps duplicate node ids in the file while giving the canvas unique ids', () => {
    const doc = {
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      nodes: [
        { id: 'a', type: 'trigger', event: 'e', position: { x: 0, y: 0 } },
        { id: 'a', type: 'exit', position: { x: 0, y: 100 } },
      ],
      edges: [{ from: 'a', to: 'a' }],
    } as unknown as JourneyDoc;
    const canvas = journeyToCanvas(structuredClone(doc));
    expect(new Set(canvas.nodes.map((n) => n.id)).size).toBe(2);
    expect(canvasToJourney(canvas)).toEqual(doc);
  });
});

describe('auto-layout on open', () => {
  it.each(templateFiles)('%s without positions is laid out top to bottom without overlaps', (file) => {
    const original = JSON.parse(readFileSync(join(assets, file), 'utf8')) as JourneyDoc;
    const canvas = journeyToCanvas(withoutPositions(original));
    const pos = new Map(canvas.nodes.map((n) => [n.id, n.position]));
    // Every edge goes downwards (the templates are DAGs).
    for (const e of original.edges) {
      expect(pos.get(e.to)!.y, `${e.from} -> ${e.to}`).toBeGreaterThan(pos.get(e.from)!.y);
    }
    // No two nodes overlap.
    const nodes = canvas.nodes;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i].position;
        const b = nodes[j].position;
        const overlap = Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;
        expect(overlap, `${nodes[i].id} overlaps ${nodes[j].id}`).toBe(false);
      }
    }
    // The saved file now has positions and is otherwise the original.
    const saved = canvasToJourney(canvas);
    expect(saved.nodes.every((n) => n.position && Number.isFinite(n.position.x))).toBe(true);
    expect(withoutPositions(saved)).toEqual(withoutPositions(original));
    // And reopening it changes nothing.
    expect(canvasToJourney(journeyToCanvas(structuredClone(saved)))).toEqual(saved);
  });

  it('keeps hand-placed nodes where they are and places the others beside them', () => {
    const doc = {
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      nodes: [
        { id: 't', type: 'trigger', event: 'e', position: { x: 10, y: 20 } },
        { id: 'w', type: 'wait', for: '1h' },
        { id: 'x', type: 'exit' },
      ],
      edges: [
        { from: 't', to: 'w' },
        { from: 'w', to: 'x' },
      ],
    } as unknown as JourneyDoc;
    const canvas = journeyToCanvas(doc);
    const pos = new Map(canvas.nodes.map((n) => [n.id, n.position]));
    expect(pos.get('t')).toEqual({ x: 10, y: 20 });
    expect(pos.get('w')!.x).toBeGreaterThanOrEqual(10 + NODE_WIDTH);
    expect(pos.get('x')!.y).toBeGreaterThan(pos.get('w')!.y);
  });

  it('is deterministic', () => {
    const original = JSON.parse(readFileSync(join(assets, templateFiles[0]), 'utf8')) as JourneyDoc;
    const a = journeyToCanvas(withoutPositions(original)).nodes.map((n) => n.position);
    const b = journeyToCanvas(withoutPositions(original)).nodes.map((n) => n.position);
    expect(a).toEqual(b);
  });
});

describe('journeys that are not shaped like journeys', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [], /JSON object/],
    ['no nodes', { format: 'itinera/journey@1', id: 'j', edges: [] }, /no `nodes` array/],
    ['edges not an array', { id: 'j', nodes: [], edges: {} }, /`edges` must be an array/],
    ['node without id', { id: 'j', nodes: [{ type: 'exit' }], edges: [] }, /node #1 has no string `id`/],
    ['node without type', { id: 'j', nodes: [{ id: 'n' }], edges: [] }, /node `n` has no string `type`/],
    ['edge without to', { id: 'j', nodes: [], edges: [{ from: 'a' }] }, /edge #1 needs string `from` and `to`/],
    ['edge with numeric port', { id: 'j', nodes: [], edges: [{ from: 'a', to: 'b', port: 3 }] }, /edge #1: `port` must be a string/],
  ];
  it.each(cases)('%s', (_name, doc, message) => {
    expect(() => journeyToCanvas(doc as JourneyDoc)).toThrow(JourneyShapeError);
    expect(() => journeyToCanvas(doc as JourneyDoc)).toThrow(message);
  });
});
