import { describe, expect, it } from 'vitest';
import { nodeSummary } from './summary';

describe('send card summary', () => {
  it('leaves Liquid tags out so a bilingual message reads as its first language', () => {
    const text = '{% unless contact.locale == "pt" %}Hi {{ contact.first_name }}, booked.{% else %}Olá {{ contact.first_name }}.{% endunless %}';
    expect(nodeSummary({ id: 'm', type: 'send', channel: 'sms', text })).toBe('Hi {{ contact.first_name }}, booked. Olá {{ contact.first_n…');
    expect(nodeSummary({ id: 'm', type: 'send', channel: 'sms', text: '{% if a %}{% endif %}' })).toBe('Write the message');
    expect(nodeSummary({ id: 'm', type: 'send', channel: 'sms', text: 'Save 50% today' })).toBe('Save 50% today');
  });
});
