import { render, screen } from '@testing-library/react';
import { ReactFlowProvider, type NodeProps } from '@xyflow/react';
import { describe, expect, it } from 'vitest';
import type { NodeDoc } from '../api/types';
import type { StepNode } from '../model/canvas';
import StepNodeView from './StepNodeView';

function card(doc: NodeDoc) {
  const props = { id: doc.id, data: { doc, status: 'ok', problems: [] }, selected: false } as unknown as NodeProps<StepNode>;
  return render(
    <ReactFlowProvider>
      <StepNodeView {...props} />
    </ReactFlowProvider>,
  );
}

describe('step card', () => {
  it('tags a transactional send, and only that', () => {
    card({ id: 'confirm', type: 'send', channel: 'sms', text: 'Booked', transactional: true });
    expect(screen.getByTestId('node-transactional').textContent).toBe('Transactional');
  });

  it('shows no tag on a promotional send', () => {
    card({ id: 'promo', type: 'send', channel: 'sms', text: 'Sale', transactional: false });
    expect(screen.queryByTestId('node-transactional')).toBeNull();
  });
});
