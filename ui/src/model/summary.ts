/** One-line descriptions of nodes and conditions, for canvas cards. */
import type {
  BranchNode,
  Condition,
  NodeDoc,
  SendNode,
  SplitNode,
  TriggerNode,
  UpdateNode,
  WaitForNode,
  WaitNode,
  WebhookNode,
} from '../api/types';

const OP_WORDS: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  contains: 'contains',
  in: 'in',
  exists: 'exists',
  not_exists: 'is missing',
  within_next: 'within next',
  within_last: 'within last',
};

function valueText(v: unknown): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map((x) => valueText(x)).join(', ')}]`;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function conditionSummary(c: Condition | undefined): string {
  if (!c || typeof c !== 'object') return 'no condition';
  if (Array.isArray(c.all)) return c.all.length === 1 ? conditionSummary(c.all[0]) : `all of ${c.all.length} rules`;
  if (Array.isArray(c.any)) return c.any.length === 1 ? conditionSummary(c.any[0]) : `any of ${c.any.length} rules`;
  if (c.not) return `not (${conditionSummary(c.not)})`;
  const op = c.op ? (OP_WORDS[c.op] ?? c.op) : '?';
  return `${c.field ?? '?'} ${op} ${valueText(c.value)}`.trim();
}

const clip = (s: string, n = 60) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function nodeSummary(node: NodeDoc): string {
  switch (node.type) {
    case 'trigger': {
      const t = node as TriggerNode;
      return t.event ? `When ${t.event}${t.filter ? ' · filtered' : ''}` : 'Choose the event';
    }
    case 'send': {
      const s = node as SendNode;
      const buttons = Array.isArray(s.buttons) && s.buttons.length > 0 ? ` · ${s.buttons.map((b) => b.title).join(' / ')}` : '';
      if (s.template) return `Template ${s.template.name || '?'}${buttons}`;
      const body = s.channel === 'email' && s.subject ? s.subject : (s.text ?? '');
      return body.trim() ? clip(body.trim()) + buttons : 'Write the message';
    }
    case 'wait': {
      const w = node as WaitNode;
      if (w.for) return `For ${w.for}`;
      if (w.until) return `Until ${w.until.field || '?'}${w.until.offset ? ` ${w.until.offset}` : ''}`;
      if (w.until_local_time) return `Until ${w.until_local_time} local time`;
      return 'Choose how long';
    }
    case 'wait_for': {
      const w = node as WaitForNode;
      const what = w.reply ? `Reply on ${w.reply.channel === 'whatsapp' ? 'WhatsApp' : w.reply.channel === 'sms' ? 'SMS' : w.reply.channel}` : w.event ? `Event ${w.event}` : 'Choose reply or event';
      return w.timeout ? `${what} · timeout ${w.timeout}` : what;
    }
    case 'branch':
      return clip(conditionSummary((node as BranchNode).condition));
    case 'split': {
      const s = node as SplitNode;
      return (Array.isArray(s.variants) ? s.variants : []).map((v) => `${v.port} ${v.percent}%`).join(' · ') || 'Add variants';
    }
    case 'update': {
      const u = node as UpdateNode;
      const set = Object.keys(u.set ?? {});
      const consent = Object.entries(u.consent ?? {}).map(([ch, on]) => `${on ? '+' : '−'}${ch}`);
      const parts = [set.length ? `Set ${set.join(', ')}` : '', consent.length ? `consent ${consent.join(' ')}` : ''].filter(Boolean);
      return parts.join(' · ') || 'Choose attributes';
    }
    case 'webhook': {
      const w = node as WebhookNode;
      return clip(`${w.method ?? 'POST'} ${w.url ?? ''}`);
    }
    case 'exit':
      return 'Leave the journey';
    default:
      return `Unknown step type “${node.type}”`;
  }
}
