/**
 * The palette: every kind of step a marketer can add, with the node document a new one starts
 * from. Kinds are the stable `palette-<kind>` test ids.
 */
import type { NodeDoc } from '../api/types';

export const PALETTE_KINDS = [
  'trigger',
  'send-sms',
  'send-whatsapp',
  'send-email',
  'wait',
  'wait_for',
  'branch',
  'split',
  'update',
  'webhook',
  'exit',
] as const;
export type PaletteKind = (typeof PALETTE_KINDS)[number];

export interface PaletteEntry {
  kind: PaletteKind;
  label: string;
  hint: string;
  /** Base of the generated id. */
  idBase: string;
}

export const PALETTE: PaletteEntry[] = [
  { kind: 'trigger', label: 'Trigger', hint: 'Start the journey on an event', idBase: 'trigger' },
  { kind: 'send-sms', label: 'Send SMS', hint: 'Text message', idBase: 'sms' },
  { kind: 'send-whatsapp', label: 'Send WhatsApp', hint: 'Text, template, buttons', idBase: 'whatsapp' },
  { kind: 'send-email', label: 'Send email', hint: 'Subject and body', idBase: 'email' },
  { kind: 'wait', label: 'Wait', hint: 'For a time, until a date or hour', idBase: 'wait' },
  { kind: 'wait_for', label: 'Wait for reply / event', hint: 'Branch on the answer, with timeout', idBase: 'wait_for' },
  { kind: 'branch', label: 'Branch', hint: 'Yes / no on a condition', idBase: 'branch' },
  { kind: 'split', label: 'A/B split', hint: 'Random split by percentages', idBase: 'split' },
  { kind: 'update', label: 'Update contact', hint: 'Set attributes and consent', idBase: 'update' },
  { kind: 'webhook', label: 'Webhook', hint: 'Call an HTTP endpoint', idBase: 'webhook' },
  { kind: 'exit', label: 'Exit', hint: 'Leave the journey', idBase: 'exit' },
];

/** A fresh node of this kind (without id and position). */
export function newNodeDoc(kind: PaletteKind): Omit<NodeDoc, 'id'> {
  switch (kind) {
    case 'trigger':
      return { type: 'trigger', event: '' };
    case 'send-sms':
      return { type: 'send', channel: 'sms', text: '' };
    case 'send-whatsapp':
      return { type: 'send', channel: 'whatsapp', text: '' };
    case 'send-email':
      return { type: 'send', channel: 'email', subject: '', text: '' };
    case 'wait':
      return { type: 'wait', for: '1d' };
    case 'wait_for':
      return { type: 'wait_for', reply: { channel: 'whatsapp' }, timeout: '1d' };
    case 'branch':
      return { type: 'branch', condition: { field: 'contact.', op: 'eq', value: '' } };
    case 'split':
      return {
        type: 'split',
        variants: [
          { port: 'a', percent: 50 },
          { port: 'b', percent: 50 },
        ],
      };
    case 'update':
      return { type: 'update', set: {} };
    case 'webhook':
      return { type: 'webhook', url: 'https://', method: 'POST' };
    case 'exit':
      return { type: 'exit' };
  }
}

/** The palette kind that best describes an existing node (for icons and colours). */
export function kindOf(node: { type: string; channel?: unknown }): PaletteKind | 'unknown' {
  if (node.type === 'send') {
    if (node.channel === 'whatsapp') return 'send-whatsapp';
    if (node.channel === 'email') return 'send-email';
    return 'send-sms';
  }
  return (PALETTE_KINDS as readonly string[]).includes(node.type) ? (node.type as PaletteKind) : 'unknown';
}
