/**
 * Output ports of a node, mirroring `NodeKind::output_ports` in crates/model/src/journey.rs (the
 * one list; tests/fixtures/ports.json, written from it, is checked against this function in
 * ports.test.ts).
 * The editor draws one source handle per port; validation (backend) decides what is wired wrong.
 */
import type { NodeDoc, SendNode, SplitNode, WaitForNode } from '../api/types';

export interface PortSpec {
  /** The port name written on edges (`next`, `yes`, a branch or variant port...). */
  port: string;
  /** Must be wired (an unwired required port is a `dead_end`). */
  required: boolean;
  /** Short text shown under the handle. */
  label: string;
}

/** The target handle id every node has. */
export const TARGET_HANDLE = 'in';

/** Every output port of `node`, in display order (left to right). */
export function outputPorts(node: NodeDoc): PortSpec[] {
  const req = (port: string, label = port): PortSpec => ({ port, required: true, label });
  switch (node.type) {
    case 'trigger':
    case 'wait':
    case 'update':
      return [req('next')];
    case 'send':
    case 'webhook':
      return [req('next'), { port: 'failed', required: false, label: 'failed' }];
    case 'wait_for': {
      const w = node as WaitForNode;
      const branches = Array.isArray(w.branches) ? w.branches : [];
      const ports = branches.length === 0 ? [req('next', 'reply')] : branches.map((b) => req(String(b.port ?? ''), b.port || '(unnamed)'));
      if (branches.length === 0 && w.event && !w.reply) ports[0] = req('next', 'event');
      return [...ports, req('timeout')];
    }
    case 'branch':
      return [req('yes'), req('no')];
    case 'split': {
      const s = node as SplitNode;
      const variants = Array.isArray(s.variants) ? s.variants : [];
      return variants.map((v) => req(String(v.port ?? ''), `${v.port || '(unnamed)'} ${Number(v.percent) || 0}%`));
    }
    default:
      return [];
  }
}

/** True when `node` is a WhatsApp send offering buttons (used for wait_for button pickers). */
export function buttonsOf(node: NodeDoc | undefined): { id: string; title: string }[] {
  if (!node || node.type !== 'send') return [];
  const s = node as SendNode;
  return Array.isArray(s.buttons) ? s.buttons : [];
}
