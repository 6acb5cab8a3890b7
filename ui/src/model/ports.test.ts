import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeDoc } from '../api/types';
import { CHANNELS } from './channels';
import { outputPorts } from './ports';
import { slug, uniqueId } from './ids';
import { kindOf, newNodeDoc, PALETTE_KINDS } from './palette';

const ports = (node: object) => outputPorts(node as NodeDoc).map((p) => (p.required ? p.port : `${p.port}?`));

describe('output ports: the shared fixture', () => {
  // tests/fixtures/ports.json is written from the model's NodeKind::output_ports and checked by
  // crates/model/tests/it/ports_fixture.rs: the editor's handles must be the model's ports.
  const fixture = JSON.parse(readFileSync(resolve(__dirname, '../../../tests/fixtures/ports.json'), 'utf8')) as {
    nodes: NodeDoc[];
    ports: Record<string, { port: string; required: boolean }[]>;
    channels: string[];
  };
  it("names the model's channels, the editor's CHANNELS", () => {
    expect([...CHANNELS]).toEqual(fixture.channels);
  });
  it('covers every node', () => {
    expect(Object.keys(fixture.ports).sort()).toEqual(fixture.nodes.map((n) => n.id).sort());
  });
  for (const node of fixture.nodes) {
    it(`${node.id} (${node.type}) has the model's ports, in order`, () => {
      expect(outputPorts(node).map(({ port, required }) => ({ port, required }))).toEqual(fixture.ports[node.id]);
    });
  }
});

describe('output ports (mirror of NodeKind::output_ports)', () => {
  const table: [string, object, string[]][] = [
    ['trigger', { type: 'trigger' }, ['next']],
    ['wait', { type: 'wait', for: '1h' }, ['next']],
    ['update', { type: 'update' }, ['next']],
    ['send', { type: 'send', channel: 'sms' }, ['next', 'failed?']],
    ['webhook', { type: 'webhook' }, ['next', 'failed?']],
    ['wait_for without branches', { type: 'wait_for', event: 'paid' }, ['next', 'timeout']],
    [
      'wait_for with branches',
      { type: 'wait_for', branches: [{ port: 'confirm' }, { port: 'reschedule' }] },
      ['confirm', 'reschedule', 'timeout'],
    ],
    ['branch', { type: 'branch' }, ['yes', 'no']],
    ['split', { type: 'split', variants: [{ port: 'a', percent: 30 }, { port: 'b', percent: 70 }] }, ['a', 'b']],
    ['exit', { type: 'exit' }, []],
    ['unknown type', { type: 'teleport' }, []],
  ];
  it.each(table)('%s', (_name, node, expected) => {
    expect(ports({ id: 'n', ...node })).toEqual(expected);
  });

  it('labels split ports with their percentage', () => {
    const labels = outputPorts({ id: 's', type: 'split', variants: [{ port: 'a', percent: 30 }] } as NodeDoc).map((p) => p.label);
    expect(labels).toEqual(['a 30%']);
  });
});

describe('ids', () => {
  it('slugs free text', () => {
    expect(slug('Send WhatsApp!')).toBe('send_whatsapp');
    expect(slug('  ')).toBe('node');
  });
  it('picks the first free id', () => {
    expect(uniqueId('sms', new Set())).toBe('sms');
    expect(uniqueId('sms', new Set(['sms']))).toBe('sms_2');
    expect(uniqueId('sms', new Set(['sms', 'sms_2']))).toBe('sms_3');
    expect(uniqueId('sms_2', new Set(['sms', 'sms_2']))).toBe('sms_3');
  });
});

describe('palette', () => {
  it.each(PALETTE_KINDS)('%s creates a node whose kind is %s', (kind) => {
    expect(kindOf(newNodeDoc(kind) as { type: string; channel?: unknown })).toBe(kind);
  });
});
