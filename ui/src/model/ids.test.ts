import { describe, expect, it } from 'vitest';
import { journeyIdFor, renamedJourney } from './ids';

describe('journey ids follow the name while the file is new', () => {
  const blank = { format: 'itinera/journey@1', id: 'new-journey', name: 'New journey' };

  it('suggests a dashed id from the name', () => {
    expect(journeyIdFor('Appointment reminder')).toBe('appointment-reminder');
    expect(journeyIdFor('  Win-back: 30% off!  ')).toBe('win-back-30-off');
    expect(journeyIdFor('')).toBe('new-journey');
    expect(journeyIdFor('¿¿')).toBe('new-journey');
  });

  it('renames the id of a new journey with each keystroke of its name', () => {
    let meta = blank;
    for (const name of ['A', 'Ap', 'Appointment', 'Appointment reminder']) meta = renamedJourney(meta, name, true);
    expect(meta).toEqual({ format: 'itinera/journey@1', id: 'appointment-reminder', name: 'Appointment reminder' });
  });

  it('keeps an id the marketer typed', () => {
    const typed = { ...blank, id: 'reminders-2027', name: 'Reminders' };
    expect(renamedJourney(typed, 'Appointment reminders', true)).toEqual({ ...typed, name: 'Appointment reminders' });
  });

  it('never changes the id of a saved file', () => {
    const saved = { ...blank, id: 'appointment-reminder', name: 'Appointment reminder' };
    expect(renamedJourney(saved, 'Clinic reminder', false)).toEqual({ ...saved, name: 'Clinic reminder' });
  });
});
