/** What every node form takes, and the small helpers the forms share. */
import type { Button, NodeDoc } from '../../api/types';

export interface FormProps<T extends NodeDoc> {
  node: T;
  /** New document; `key` groups keystrokes of one field into one undo step. */
  onChange: (doc: NodeDoc, key: string) => void;
  /** Buttons offered by the sends wired into this node (for reply branches). */
  upstreamButtons: Button[];
}

/** A copy without `key` (for optional fields being cleared). */
export function without<T extends object>(o: T, ...keys: string[]): T {
  const c = { ...o } as Record<string, unknown>;
  for (const k of keys) delete c[k];
  return c as T;
}

export { CHANNEL_OPTIONS } from '../../model/channels';
