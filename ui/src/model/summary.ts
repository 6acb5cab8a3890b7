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

/** A value as the card shows it; nested arrays are written as JSON (no recursion per level). */
function valueText(v: unknown): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : x === undefined ? '' : safeJson(x))).join(', ')}]`;
  if (typeof v === 'string') return v;
  return safeJson(v);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '…';
  }
}

/**
 * One line for a condition. Groups of one and `not` are unwrapped in a loop, so the nesting of
 * a condition never reaches the call stack.
 */
export function conditionSummary(c: Condition | undefined): string {
  let nots = 0;
  let text = '';
  for (;;) {
    if (!c || typeof c !== 'object') {
      text = 'no condition';
      break;
    }
    if (Array.isArray(c.all)) {
      if (c.all.length === 1) c = c.all[0];
      else {
        text = `all of ${c.all.length} rules`;
        break;
      }
    } else if (Array.isArray(c.any)) {
      if (c.any.length === 1) c = c.any[0];
      else {
        text = `any of ${c.any.length} rules`;
        break;
      }
    } else if (c.not) {
      nots++;
      c = c.not;
    } else {
      const op = c.op ? (OP_WORDS[c.op] ?? c.op) : '?';
      text = `${c.field ?? '?'} ${op} ${valueText(c.value)}`.trim();
      break;
    }
  }
  return 'not ('.repeat(nots) + text + ')'.repeat(nots);
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
      const written = s.channel === 'email' && s.subject ? s.subject : (s.text ?? '');
      // Liquid tags (`{% unless contact.locale == "pt" %}`) say nothing a card has room for.
      const body = written.replace(/\{%[^%]*%\}/g, ' ').replace(/\s+/g, ' ');
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
