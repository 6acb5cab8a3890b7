/**
 * The "+" after a port: node cards and wires ask the canvas to open the insert menu for a port
 * (one context, so that memoised cards need no new props).
 */
import { createContext } from 'react';
import type { Position } from '../api/types';

export interface InsertRequest {
  /** The step and output port the new step goes after. */
  from: string;
  port: string;
  /** Where the menu opens, in client (screen) coordinates. */
  client: { x: number; y: number };
  /** Where the new step goes (flow coordinates): a wire dropped on empty canvas. */
  at?: Position;
}

export const InsertContext = createContext<((r: InsertRequest) => void) | null>(null);
