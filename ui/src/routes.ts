/** Hash routes: `#/`, `#/journey/<encoded file>`, `#/new`, `#/template/<id>`. */

export type Route =
  | { kind: 'start' }
  | { kind: 'journey'; file: string }
  | { kind: 'new' }
  | { kind: 'template'; id: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  let m = /^\/journey\/(.+)$/.exec(h);
  if (m) return { kind: 'journey', file: decode(m[1]) };
  m = /^\/template\/(.+)$/.exec(h);
  if (m) return { kind: 'template', id: decode(m[1]) };
  if (h === '/new') return { kind: 'new' };
  return { kind: 'start' };
}

export function routeKey(r: Route): string {
  switch (r.kind) {
    case 'journey':
      return `journey:${r.file}`;
    case 'template':
      return `template:${r.id}`;
    default:
      return r.kind;
  }
}
