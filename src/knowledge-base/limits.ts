/**
 * Bounds on what admins can put into the knowledge. Every id becomes a file name
 * (intents/zh/<id>.yaml, knowledge/locales/<code>.yaml) or a key, so it is lowercase letters, digits
 * and "_" only: nothing like "../../x" can reach a path. The sizes keep an upload's validation and a
 * publish's training short, since patients are answered on the same event loop: the shipped hospital
 * has 40 intents, 1,457 examples and a 250 KB export, so these leave a large hospital ample room.
 */
export const ID_PATTERN = /^[a-z0-9_]+$/

export const LIMITS = {
  intents: 500,
  /** Training examples of one language (publishing trains on them all). */
  examples: 10_000,
  exampleChars: 300,
  /** POST /api/admin/knowledge/import: the YAML files as one JSON body. */
  importBytes: 2 * 1024 * 1024,
  importFiles: 1_000,
  /** PUT /api/admin/knowledge/import/{table}: one CSV table. */
  csvBytes: 1024 * 1024,
  csvRows: 10_000,
} as const

/** An admin-readable problem when `id` cannot be an id (none when it can). */
export function idProblems(at: string, id: unknown): string[] {
  return typeof id === 'string' && ID_PATTERN.test(id)
    ? []
    : [`${at}: 编号 ${JSON.stringify(id)} 不可用，只能用小写字母、数字和下划线（例如 night_clinic）`]
}
