/**
 * Answer templates: "{{services.parking.fee}}" is replaced by the fact at that path. A path that does
 * not resolve to text is a load-time error, so an answer can never silently lose a fact.
 */
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g

export function lookup(root: unknown, path: string): unknown {
  let node: unknown = root
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined
    node = node instanceof Map ? node.get(key) : (node as Record<string, unknown>)[key]
  }
  return node
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

export function render(template: string, ...scopes: unknown[]): string {
  return template.replace(PLACEHOLDER, (whole, path: string) => {
    for (const scope of scopes) {
      const v = lookup(scope, path)
      if (typeof v === 'string' || typeof v === 'number') return String(v)
    }
    throw new Error(`template placeholder ${whole} has no value`)
  })
}
