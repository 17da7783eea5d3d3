/**
 * Answer templates: "{{services.parking.fee}}" is replaced by the fact at that path. A path that does
 * not resolve to text is a load-time error, so an answer can never silently lose a fact.
 */
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g

export function lookup(root: unknown, path: string): unknown {
  return lookupKeys(root, path.split('.'))
}

function lookupKeys(root: unknown, keys: readonly string[]): unknown {
  let node: unknown = root
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined
    node = node instanceof Map ? node.get(key) : (node as Record<string, unknown>)[key]
  }
  return node
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

/** A template cut into its text and its placeholders' paths, each path already split into keys. */
type Compiled = Array<string | { whole: string; keys: string[] }>

// Templates come from the knowledge base (a few hundred per version): each is parsed once, not per reply.
const COMPILED_KEPT = 5000
const compiled = new Map<string, Compiled>()

function compile(template: string): Compiled {
  let parts = compiled.get(template)
  if (parts) return parts
  parts = []
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(template.slice(last, m.index))
    parts.push({ whole: m[0], keys: m[1]!.split('.') })
    last = m.index + m[0].length
  }
  if (last < template.length) parts.push(template.slice(last))
  if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value!)
  compiled.set(template, parts)
  return parts
}

export function render(template: string, ...scopes: unknown[]): string {
  let out = ''
  for (const part of compile(template)) {
    if (typeof part === 'string') {
      out += part
      continue
    }
    out += valueOf(part, scopes)
  }
  return out
}

function valueOf(part: { whole: string; keys: string[] }, scopes: unknown[]): string {
  for (const scope of scopes) {
    const v = lookupKeys(scope, part.keys)
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  throw new Error(`template placeholder ${part.whole} has no value`)
}
