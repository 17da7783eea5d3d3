import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Journal } from '../../src/storage/journal.js'

type Logged = Record<string, unknown> & { msg: string }

const open = (file: string, logged: Logged[] = []) => {
  const map = new Map<string, { id: string; v: number }>()
  const j = Journal.open<{ id: string; v: number }>(
    file,
    (r) => {
      if (typeof r.id !== 'string') throw new Error('no id')
      map.set(r.id, r)
    },
    () => [...map.values()],
    { error: (obj, msg) => logged.push({ ...obj, msg }) },
  )
  return { j, map }
}
const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'nd-journal-')), 'x.ndjson')
const sideFile = (file: string) => path.join(path.dirname(file), 'x.damaged.ndjson')

describe('journal', () => {
  it('replays what was written, last write wins, and compacts on open', async () => {
    const file = tempFile()
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

  it('leaves out a torn last line left by a crash mid-write, keeping a copy of it', async () => {
    const file = tempFile()
    const a = open(file)
    await a.j.append({ id: 'a', v: 1 })
    await a.j.close()
    appendFileSync(file, '{"id":"b","v"')
    const logged: Logged[] = []
    const b = open(file, logged)
    expect([...b.map.keys()]).toEqual(['a'])
    expect(logged).toHaveLength(1)
    expect(readFileSync(sideFile(file), 'utf8')).toBe('{"id":"b","v"\n')
    await b.j.append({ id: 'c', v: 1 })
    await b.j.close()
    expect([...open(file).map.keys()]).toEqual(['a', 'c'])
  })

  it('loses a damaged line only: every other record loads, the line is logged and kept byte for byte', async () => {
    const file = tempFile()
    const a = open(file)
    for (const id of ['a', 'b', 'c', 'd']) await a.j.append({ id, v: 1 })
    await a.j.close()
    // A bad disk block: line 2 cut short and run into by zeros, line 3 parses but is not a record.
    const lines = readFileSync(file, 'utf8').split('\n')
    const garbled = Buffer.concat([Buffer.from(lines[1]!.slice(0, 9)), Buffer.alloc(4), Buffer.from([0xff])])
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(lines[0] + '\n'),
        garbled,
        Buffer.from('\n{"v":7}\n' + lines.slice(3).join('\n')),
      ]),
    )

    const logged: Logged[] = []
    const b = open(file, logged)
    expect([...b.map.keys()]).toEqual(['a', 'd'])
    expect(logged).toEqual([
      expect.objectContaining({ file, line: 2, text: garbled.toString('utf8'), keptIn: sideFile(file) }),
      expect.objectContaining({ file, line: 3, text: '{"v":7}', problem: 'no id', keptIn: sideFile(file) }),
    ])
    expect(readFileSync(sideFile(file))).toEqual(Buffer.concat([garbled, Buffer.from('\n{"v":7}\n')]))
    await b.j.close()

    // Compacted without them: the next open finds nothing damaged, and the copies stay.
    const again: Logged[] = []
    const c = open(file, again)
    expect([...c.map.keys()]).toEqual(['a', 'd'])
    expect(again).toEqual([])
    expect(readFileSync(sideFile(file))).toEqual(Buffer.concat([garbled, Buffer.from('\n{"v":7}\n')]))
    await c.j.close()
  })

  it('writes no side file when nothing is damaged', async () => {
    const file = tempFile()
    const a = open(file)
    await a.j.append({ id: 'a', v: 1 })
    await a.j.close()
    await open(file).j.close()
    expect(existsSync(sideFile(file))).toBe(false)
  })
})
