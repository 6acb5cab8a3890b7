/**
 * What the Liquid preview shares with the editor and its tests (kept out of LiquidPreview.tsx,
 * which only exports components, so that Fast Refresh can update it in place).
 */
import { createContext } from 'react';
import type { TestContacts } from './previewAs';

/** The journey's `settings.default_timezone`: dates in a preview are written as the contact would get them. */
export const DefaultTimezoneContext = createContext<string | undefined>(undefined);

/** The test contacts of the scenario chosen in the Simulate panel (none until one is loaded). */
export const TestContactsContext = createContext<TestContacts>({ contacts: [], triggerEvents: [] });

/** A tag still being typed (`{{ contact.` with no `}}`): not worth a round trip yet. */
export function unfinishedTag(template: string): boolean {
  const count = (re: RegExp) => (template.match(re) ?? []).length;
  return count(/\{\{/g) !== count(/\}\}/g) || count(/\{%/g) !== count(/%\}/g);
}
