/**
 * Semantic zoom for large journeys. Below FAR_ZOOM a card drops its text (id, summary, port
 * labels); below MAP_ZOOM it is a plain coloured block without handles and the wires are not
 * drawn, which also removes thousands of React Flow store subscriptions from every pan frame.
 * Cards never change size between levels (a size change would re-measure every node).
 */
import { createContext } from 'react';

export type ZoomLevel = 'near' | 'far' | 'map';

export const FAR_ZOOM = 0.4;
export const MAP_ZOOM = 0.2;
/** Journeys with more steps than this get semantic zoom; smaller ones always draw everything. */
export const BIG_JOURNEY = 150;

/**
 * Journeys with more steps than this draw only the cards and wires in view (React Flow's
 * `onlyRenderVisibleElements`): 10,000 cards in the DOM make every pan and zoom slow.
 */
export const HUGE_JOURNEY = 2000;

export function zoomLevel(zoom: number): ZoomLevel {
  return zoom < MAP_ZOOM ? 'map' : zoom < FAR_ZOOM ? 'far' : 'near';
}

/**
 * True at the map level. Cards re-render only when this flips; the near/far difference is
 * pure CSS (`data-zoom` on the canvas), which costs a restyle and no React work.
 */
export const MapZoomContext = createContext<boolean>(false);

/**
 * True in a journey above HUGE_JOURNEY: cards mount and unmount as they enter and leave the
 * view, so each card re-measures its own handles when it is drawn in full (a card measured at
 * the map level has none), instead of the canvas re-measuring every card at once.
 */
export const HugeJourneyContext = createContext<boolean>(false);

/** The box around cards at `positions` (each `card` sized), for the first viewport of a huge journey. */
export function cardBounds(positions: readonly { x: number; y: number }[], card: { width: number; height: number }) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of positions) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x + card.width > maxX) maxX = p.x + card.width;
    if (p.y + card.height > maxY) maxY = p.y + card.height;
  }
  if (positions.length === 0) return { x: 0, y: 0, width: card.width, height: card.height };
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}
