import jsYaml from 'js-yaml'

/**
 * YAML for the knowledge and intents files. js-yaml parses them in a third of the time the `yaml`
 * package took (~100 ms vs ~320 ms for the shipped files, a tenth of start-up). The core schema:
 * dates and times stay text ("2026-10-01", "8:00"), as the files mean them.
 *
 * Aliases that repeat a list or a mapping are refused: an admin's upload of a few hundred KB could
 * otherwise stand for billions of nodes ("billion laughs"), and every later step that walks the
 * knowledge (validation, diff, JSON for storage) would expand them while patients wait. js-yaml has
 * no alias limit, but it resolves an alias to the very object its anchor made, so a walk that meets
 * an object twice finds one in time linear in the text. The shipped files and exports use none.
 */
export function parseYaml(text: string): unknown {
  const value = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA })
  refuseRepeats(value, new Set())
  return value
}

export class YamlAliasError extends Error {
  constructor() {
    super('YAML 别名（*名称）不能重复引用列表或映射，请把内容直接写出来（导出的文件没有别名）')
  }
}

function refuseRepeats(node: unknown, seen: Set<object>): void {
  if (node === null || typeof node !== 'object') return
  if (seen.has(node)) throw new YamlAliasError()
  seen.add(node)
  for (const child of Object.values(node)) refuseRepeats(child, seen)
}

export function toYaml(value: unknown): string {
  return jsYaml.dump(value, { schema: jsYaml.CORE_SCHEMA, lineWidth: -1, noRefs: true })
}
