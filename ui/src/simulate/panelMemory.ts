/**
 * What the Simulate panel remembers per journey id while the page lives, so that hiding and
 * showing the tab does not lose the scenario being edited or the last run.
 */
import type { ScenarioDoc, SimReport } from '../api/types';

export interface PanelMemory {
  source: string;
  scenario: ScenarioDoc | null;
  dirty: boolean;
  report: SimReport | null;
  /** The journey the report was made from, as compared by the panel (positions left out). */
  reportJourney: string | null;
  /** The scenario the report was made from, as text. */
  reportScenario: string | null;
  selected: string | null;
  saveName: string;
}

export const memory = new Map<string, PanelMemory>();

/** Forgets every remembered scenario and run (a new folder was opened; tests). */
export function forgetSimulations(): void {
  memory.clear();
}
