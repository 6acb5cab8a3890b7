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

export function zoomLevel(zoom: number): ZoomLevel {
  return zoom < MAP_ZOOM ? 'map' : zoom < FAR_ZOOM ? 'far' : 'near';
}

/**
 * True at the map level. Cards re-render only when this flips; the near/far difference is
 * pure CSS (`data-zoom` on the canvas), which costs a restyle and no React work.
 */
export const MapZoomContext = createContext<boolean>(false);
