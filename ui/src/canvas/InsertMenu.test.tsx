import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import InsertMenu from './InsertMenu';

const candidates = [
  { id: 'wa', name: 'WhatsApp reminder' },
  { id: 'done', name: 'done' },
];

describe('insert menu', () => {
  it('offers the channels as separate steps and connecting an unwired port to an existing step', () => {
    const onConnect = vi.fn();
    const onPick = vi.fn();
    render(<InsertMenu x={0} y={0} splitting={false} candidates={candidates} kindOfStep={(id) => (id === 'wa' ? 'send-whatsapp' : 'exit')} onPick={onPick} onConnect={onConnect} onClose={() => {}} />);
    for (const kind of ['send-sms', 'send-whatsapp', 'send-email', 'exit']) expect(screen.getByTestId(`insert-${kind}`)).toBeTruthy();
    expect(screen.queryByTestId('insert-trigger')).toBeNull();
    expect(screen.getByTestId('connect-to-wa').textContent).toBe('WhatsApp reminder');
    fireEvent.click(screen.getByTestId('connect-to-wa'));
    expect(onConnect).toHaveBeenCalledWith('wa');
    fireEvent.click(screen.getByTestId('insert-send-sms'));
    expect(onPick).toHaveBeenCalledWith('send-sms');
  });

  it('offers no connection inside a wire (the new step splits it) nor without candidates', () => {
    const { unmount } = render(<InsertMenu x={0} y={0} splitting candidates={candidates} onPick={() => {}} onConnect={() => {}} onClose={() => {}} />);
    expect(screen.queryByTestId('connect-menu')).toBeNull();
    expect(screen.queryByTestId('insert-exit')).toBeNull();
    unmount();
    render(<InsertMenu x={0} y={0} splitting={false} candidates={[]} onPick={() => {}} onConnect={() => {}} onClose={() => {}} />);
    expect(screen.queryByTestId('connect-menu')).toBeNull();
  });
});
