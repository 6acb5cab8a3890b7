/**
 * The channels as the editor shows them. Which channels exist is the model's
 * (`journey::CHANNELS` in crates/model, mirrored by `CHANNELS` of api/types.ts and checked against
 * tests/fixtures/ports.json by ports.test.ts); only their names for people are written here.
 */
import { CHANNELS, type Channel } from '../api/types';

export { CHANNELS, type Channel };

const NAMES: Record<string, string> = { sms: 'SMS', whatsapp: 'WhatsApp', email: 'Email', webhook: 'Webhook' };

/** "SMS", "WhatsApp", "Email" ("Webhook" for a webhook call); an unknown channel as written. */
export function channelName(channel: string): string {
  return NAMES[channel] ?? channel;
}

/** The choices of a send's channel. */
export const CHANNEL_OPTIONS = CHANNELS.map((value) => ({ value, label: channelName(value) }));
