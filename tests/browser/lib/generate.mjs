// A generated journey of exactly `count` nodes (count = 4k + 4) for the performance test:
// trigger → update → webhook → k blocks of [send SMS → wait 1h → branch: yes → next block,
// no → its own exit] → final exit. Every node is reachable and every port wired, so the
// journey is valid; positions are given (a grid of columns), so nothing is auto-laid out.
export function generatedJourney(count = 1000) {
  if ((count - 4) % 4 !== 0 || count < 8) throw new Error(`count must be 4k + 4 (got ${count})`);
  const blocks = (count - 4) / 4;
  const nodes = [];
  const edges = [];
  const perColumn = 25; // blocks per column
  const pos = (b, row) => ({ x: Math.floor(b / perColumn) * 520 + (row === 3 ? 260 : 0), y: (b % perColumn) * 440 + row * 110 + 330 });
  nodes.push({ id: 'start', type: 'trigger', event: 'signed_up', position: { x: 0, y: 0 } });
  nodes.push({ id: 'tag', type: 'update', set: { segment: 'generated' }, position: { x: 0, y: 110 } });
  nodes.push({ id: 'notify', type: 'webhook', url: 'https://hooks.example.com/signup', method: 'POST', position: { x: 0, y: 220 } });
  edges.push({ from: 'start', to: 'tag' }, { from: 'tag', to: 'notify' });
  for (let b = 0; b < blocks; b++) {
    const send = `send_${b}`;
    const wait = `wait_${b}`;
    const branch = `check_${b}`;
    const exit = `exit_${b}`;
    nodes.push({ id: send, type: 'send', channel: 'sms', text: `Step ${b + 1} for {{ contact.first_name }}`, position: pos(b, 0) });
    nodes.push({ id: wait, type: 'wait', for: '1h', position: pos(b, 1) });
    nodes.push({ id: branch, type: 'branch', condition: { field: 'contact.score', op: 'gt', value: b % 10 }, position: pos(b, 2) });
    nodes.push({ id: exit, type: 'exit', position: pos(b, 3) });
    edges.push({ from: b === 0 ? 'notify' : `check_${b - 1}`, ...(b === 0 ? {} : { port: 'yes' }), to: send });
    edges.push({ from: send, to: wait }, { from: wait, to: branch }, { from: branch, port: 'no', to: exit });
  }
  nodes.push({ id: 'finish', type: 'exit', position: pos(blocks, 0) });
  edges.push({ from: `check_${blocks - 1}`, port: 'yes', to: 'finish' });
  return {
    format: 'itinera/journey@1',
    id: 'generated-1000',
    name: `Generated ${count}-node journey`,
    settings: { default_timezone: 'UTC', reentry: 'never' },
    nodes,
    edges,
  };
}

// A deep journey of `count` nodes without positions (the editor lays it out): trigger →
// count - 2 steps alternating send SMS / wait 1h → exit. Valid.
export function chainJourney(count = 10_000) {
  const nodes = [{ id: 'start', type: 'trigger', event: 'signed_up' }];
  const edges = [];
  for (let i = 1; i < count - 1; i++) {
    nodes.push(i % 2 === 1 ? { id: `send_${i}`, type: 'send', channel: 'sms', text: `Step ${i}` } : { id: `wait_${i}`, type: 'wait', for: '1h' });
  }
  nodes.push({ id: 'finish', type: 'exit' });
  for (let i = 1; i < nodes.length; i++) edges.push({ from: nodes[i - 1].id, to: nodes[i].id });
  return { format: 'itinera/journey@1', id: `chain-${count}`, name: `Chain of ${count} steps`, settings: { default_timezone: 'UTC', reentry: 'never' }, nodes, edges };
}

// A wide journey of `count` nodes (count even) without positions: trigger → a complete binary
// tree of branches whose leaves are exits (half the journey is exits, ~2,500 side by side). Valid.
export function treeJourney(count = 10_000) {
  if (count % 2 !== 0 || count < 4) throw new Error(`count must be even (got ${count})`);
  const branches = (count - 2) / 2;
  const name = (k) => (k < branches ? `check_${k}` : `exit_${k - branches}`);
  const nodes = [{ id: 'start', type: 'trigger', event: 'signed_up' }];
  for (let i = 0; i < branches; i++) nodes.push({ id: `check_${i}`, type: 'branch', condition: { field: 'contact.score', op: 'gt', value: i } });
  for (let i = 0; i <= branches; i++) nodes.push({ id: `exit_${i}`, type: 'exit' });
  const edges = [{ from: 'start', to: 'check_0' }];
  for (let i = 0; i < branches; i++) edges.push({ from: `check_${i}`, port: 'yes', to: name(2 * i + 1) }, { from: `check_${i}`, port: 'no', to: name(2 * i + 2) });
  return { format: 'itinera/journey@1', id: `tree-${count}`, name: `Tree of ${count} steps`, settings: { default_timezone: 'UTC', reentry: 'never' }, nodes, edges };
}
