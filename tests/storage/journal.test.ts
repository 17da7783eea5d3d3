import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Journal } from '../../src/storage/journal.js'

const open = (file: string) => {
  const map = new Map<string, { id: string; v: number }>()
  const j = Journal.open<{ id: string; v: number }>(
    file,
    (r) => map.set(r.id, r),
    () => [...map.values()],
  )
  return { j, map }
}

describe('journal', () => {
  it('replays what was written, last write wins, and compacts on open', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nd-journal-')), 'x.ndjson')
    const a = open(file)
    await Promise.all([
      a.j.append({ id: 'a', v: 1 }),
      a.j.append({ id: 'b', v: 1 }),
      a.j.append({ id: 'a', v: 2 }),
    ])
    await a.j.close()
    const b = open(file)
    expect(b.map.get('a')?.v).toBe(2)
    expect(b.map.size).toBe(2)
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2)
    await b.j.close()
  })

  it('drops a torn last line left by a crash mid-write', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nd-journal-')), 'x.ndjson')
    const a = open(file)
    await a.j.append({ id: 'a', v: 1 })
    await a.j.close()
    appendFileSync(file, '{"id":"b","v"')
    const b = open(file)
    expect([...b.map.keys()]).toEqual(['a'])
    await b.j.append({ id: 'c', v: 1 })
    await b.j.close()
    expect([...open(file).map.keys()]).toEqual(['a', 'c'])
  })
})
