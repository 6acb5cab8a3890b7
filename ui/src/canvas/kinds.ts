/** Colours and names per step kind (palette, canvas and inspector share them). */
import type { PaletteKind } from '../model/palette';

export type Kind = PaletteKind | 'unknown';

export const KIND_COLORS: Record<Kind, string> = {
  trigger: '#7c3aed',
  'send-sms': '#0284c7',
  'send-whatsapp': '#16a34a',
  'send-email': '#2563eb',
  wait: '#64748b',
  wait_for: '#0d9488',
  branch: '#db2777',
  split: '#9333ea',
  update: '#4f46e5',
  webhook: '#ea580c',
  exit: '#475569',
  unknown: '#9ca3af',
};

export const KIND_LABELS: Record<Kind, string> = {
  trigger: 'Trigger',
  'send-sms': 'SMS',
  'send-whatsapp': 'WhatsApp',
  'send-email': 'Email',
  wait: 'Wait',
  wait_for: 'Wait for',
  branch: 'Branch',
  split: 'A/B split',
  update: 'Update contact',
  webhook: 'Webhook',
  exit: 'Exit',
  unknown: 'Unknown',
};
