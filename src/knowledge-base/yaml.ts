import jsYaml from 'js-yaml'

/**
 * YAML for the knowledge and intents files. js-yaml parses them in a third of the time the `yaml`
 * package took (~100 ms vs ~320 ms for the shipped files, a tenth of start-up). The core schema:
 * dates and times stay text ("2026-10-01", "8:00"), as the files mean them.
 */
export function parseYaml(text: string): unknown {
  return jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA })
}

export function toYaml(value: unknown): string {
  return jsYaml.dump(value, { schema: jsYaml.CORE_SCHEMA, lineWidth: -1, noRefs: true })
}
