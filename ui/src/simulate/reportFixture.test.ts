/**
 * The results panel and the canvas overlay read a report the backend really wrote: the sample
 * journey simulated with its sample scenario (tests/fixtures/reports/, written and kept current
 * by crates/service/tests/it/analysis.rs, the Rust side of this shared fixture).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JourneyDoc, SimReport } from '../api/types';
import journey from '../../../assets/journeys/appointment-reminder.journey.json';
import { journeyToCanvas } from '../model/canvas';
import { entryCount, filterContacts, hasTimelines, messageRows, outcomeRows, stepText } from './results';
import { overlayForContact, overlayFromReport } from './trafficOverlay';

const report = JSON.parse(readFileSync(resolve(__dirname, '../../../tests/fixtures/reports/appointment-reminder.report.json'), 'utf8')) as SimReport;
const doc = journey as unknown as JourneyDoc;

describe('the sample journey’s real simulation report', () => {
  it('has every contact with its timeline, and the outcome rows add up to the contacts', () => {
    expect(hasTimelines(report)).toBe(true);
    expect(report.contacts.length).toBe(report.summary.contacts);
    const rows = outcomeRows(report);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(report.summary.contacts);
    for (const row of rows) expect(filterContacts(report.contacts, row.outcome).length).toBe(row.count);
  });

  it('counts per channel what the contacts were sent', () => {
    const sent: Record<string, number> = {};
    for (const c of report.contacts) for (const m of c.messages ?? []) sent[m.channel] = (sent[m.channel] ?? 0) + 1;
    expect(Object.fromEntries(messageRows(report).map((r) => [r.channel, r.count]))).toEqual(sent);
  });

  it('draws counts only on nodes and edges of the journey, and each contact’s path along them', () => {
    const canvas = journeyToCanvas(doc);
    const nodes = new Set(canvas.nodes.map((n) => n.id));
    const wires = new Set(doc.edges.map((e) => `${e.from}:${e.port ?? 'next'}>${e.to}`));
    const overlay = overlayFromReport(report);
    for (const id of Object.keys(overlay.nodeCounts)) expect(nodes.has(id), id).toBe(true);
    // The trigger counts every entry (the sample has re-entries): what the panel reports as entries.
    const trigger = doc.nodes.find((n) => n.type === 'trigger')!.id;
    expect(overlay.nodeCounts[trigger]).toBe(entryCount(report, [trigger]));
    expect(entryCount(report, [trigger])).toBeGreaterThan(report.summary.entered);
    // Each contact's trace starts at the trigger.
    const first = new Set(report.contacts.filter((c) => (c.steps ?? []).length > 0).map((c) => c.steps![0].node));
    expect(first).toEqual(new Set([trigger]));
    for (const e of overlay.edgeCounts) expect(wires.has(`${e.from}:${e.port}>${e.to}`), `${e.from}:${e.port}>${e.to}`).toBe(true);
    for (const contact of report.contacts) {
      const mine = overlayForContact(report, contact.id);
      for (const id of mine.path ?? []) expect(nodes.has(id), `${contact.id} at ${id}`).toBe(true);
      for (const e of mine.pathEdges ?? []) expect(wires.has(`${e.from}:${e.port}>${e.to}`), `${contact.id}: ${e.from}:${e.port}>${e.to}`).toBe(true);
      // Every step has a sentence for the timeline.
      for (const step of contact.steps ?? []) expect(stepText(step).length).toBeGreaterThan(0);
    }
  });
});
