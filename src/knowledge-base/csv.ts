import type { KnowledgeSource } from './load.js'
import { LIMITS } from './limits.js'
import { CsvError } from './errors.js'
import type { Place } from './types.js'

/**
 * Spreadsheet-friendly tables for admins who edit in Excel: places, training questions and reply
 * templates as CSV (UTF-8 with a BOM so Excel shows Chinese correctly). A table read back replaces
 * that section of the draft, where the usual validation applies.
 */
export const CSV_TABLES = ['places', 'intents', 'answers'] as const
export type CsvTable = (typeof CSV_TABLES)[number]

const BOM = '\ufeff'
// Excel and LibreOffice run a cell that starts with one of these as a formula (CSV injection): a
// patient's "=cmd|' /C calc'!A0", added as an example from the unanswered list, must stay text. A
// leading apostrophe is what OWASP recommends; the spreadsheet shows the text without it.
const FORMULA_START = /^[=+\-@\t\r]/
const ESCAPED = /^'(?=[=+\-@\t\r])/

/** One CSV cell: quoted when it needs to be; text is never read as a formula (a number, like -1, stays one). */
export function csvCell(v: unknown): string {
  const raw = v === undefined || v === null ? '' : String(v)
  const s = typeof v === 'string' && FORMULA_START.test(raw) ? `'${raw}` : raw
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
const line = (cells: unknown[]) => cells.map(csvCell).join(',')

export function toCsv(source: KnowledgeSource, table: CsvTable): string {
  const rows: unknown[][] =
    table === 'places'
      ? [
          ['id', 'name', 'kind', 'building', 'floor', 'detail', 'hours', 'aliases'],
          ...source.places.map((p) => [
            p.id,
            p.name,
            p.kind,
            p.building,
            p.floor,
            p.detail,
            p.hours,
            p.aliases.join('、'),
          ]),
        ]
      : table === 'intents'
        ? [['intent', 'example'], ...source.intents.flatMap((i) => i.examples.map((e) => [i.id, e]))]
        : [['intent', 'answer'], ...Object.entries(source.templates.intents)]
  return BOM + rows.map(line).join('\r\n') + '\r\n'
}

/** RFC 4180 parsing: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const src = text.replace(/^\ufeff/, '')
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++
      row.push(field)
      field = ''
      if (row.some((x) => x !== '')) rows.push(row)
      row = []
    } else field += c
  }
  row.push(field)
  if (row.some((x) => x !== '')) rows.push(row)
  return rows
}

/** The section a CSV table stands for, built from its rows (header first). */
export function fromCsv(source: KnowledgeSource, table: CsvTable, text: string): Partial<KnowledgeSource> {
  // What toCsv escaped reads back as it was, so an export edited in Excel round-trips.
  const [header, ...rows] = parseCsv(text).map((r) => r.map((c) => c.replace(ESCAPED, '')))
  if (rows.length > LIMITS.csvRows) {
    throw new CsvError(
      table,
      `有 ${rows.length} 行，超过上限 ${LIMITS.csvRows} 行；请分几次导入，或删去重复的行`,
    )
  }
  const expected = toCsv(source, table).replace(BOM, '').split('\r\n')[0]!.split(',')
  if (!header || header.join(',') !== expected.join(',')) {
    throw new CsvError(table, `the first row must be: ${expected.join(',')}`)
  }
  if (table === 'intents') {
    const byId = new Map(source.intents.map((i) => [i.id, { ...i, examples: [] as string[] }]))
    for (const [n, [id, example]] of rows.entries()) {
      if (!id || !example) throw new CsvError(table, `row ${n + 2}: intent and example are both required`)
      const intent = byId.get(id) ?? { id, description: '', examples: [] }
      intent.examples.push(example)
      byId.set(id, intent)
    }
    return { intents: [...byId.values()].filter((i) => i.examples.length) }
  }
  if (table === 'answers') {
    return {
      templates: {
        ...source.templates,
        intents: Object.fromEntries(rows.map(([id, answer]) => [id ?? '', answer ?? ''])),
      },
    }
  }
  const places: Place[] = rows.map(([id, name, kind, building, floor, detail, hours, aliases]) => {
    const before = source.places.find((p) => p.id === id)
    const f = (floor ?? '').trim()
    return {
      ...before,
      id: id ?? '',
      name: name ?? '',
      kind: (kind || 'department') as Place['kind'],
      building: building ?? '',
      ...(f ? { floor: /^\d+$/.test(f) ? Number(f) : f } : {}),
      ...(detail ? { detail } : {}),
      ...(hours ? { hours } : {}),
      aliases: (aliases ?? '')
        .split(/[、,，]/)
        .map((a) => a.trim())
        .filter(Boolean),
    } as Place
  })
  return { places }
}
