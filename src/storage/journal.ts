import { setTimeout as delay } from 'node:timers/promises'
import { setImmediate as nextTurn } from 'node:timers/promises'
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'

export interface JournalLog {
  error(obj: object, msg: string): void
}

/** Without a logger (the command-line scripts), a damaged line is still reported, on stderr. */
const stderrLog: JournalLog = { error: (obj, msg) => console.error(msg, obj) }

const EXCERPT_CHARS = 80

/**
 * An append-only log of JSON records, the embedded store's durability:
 * - every append is written to the file (write(2)) before it is acknowledged, so it survives the
 *   process being killed (`kill -9`): the kernel keeps written data;
 * - an append with `sync` (a handoff ticket) is acknowledged only after fsync, so it also survives a
 *   power cut; the rest is fsync'd within `syncIntervalMs` (like Redis's appendfsync everysec);
 * - appends that arrive together share one write and one fsync (group commit);
 * - a line that cannot be read back (a torn last line from a crash, a damaged disk block) loses that
 *   record only: it is logged, copied as it was to `<name>.damaged.ndjson` beside the log, and the
 *   rest is loaded; then the log is compacted at start-up.
 */
export class Journal<T> {
  private pending: Array<{ line: string; sync: boolean; done: (err?: Error) => void }> = []
  private scheduled = false
  private syncing = false
  private dirty = false
  private timer: NodeJS.Timeout | undefined
  private closed = false

  private constructor(
    readonly file: string,
    private fd: number,
    private readonly syncIntervalMs: number,
  ) {}

  /**
   * Opens (creating) the log and replays it; `compact` returns the records that are still live.
   * `replay` throws to reject a record that parses but is not one it can apply.
   */
  static open<T>(
    file: string,
    replay: (record: T) => void,
    compact: () => T[],
    log: JournalLog = stderrLog,
    syncIntervalMs = 100,
  ): Journal<T> {
    mkdirSync(path.dirname(file), { recursive: true })
    if (existsSync(file)) {
      const damaged = replayLines(readFileSync(file), replay)
      // Kept aside before compaction rewrites the log without them: the only copy must not be lost.
      if (damaged.length) keepDamaged(file, damaged, log)
      const tmp = `${file}.tmp`
      const fd = openSync(tmp, 'w')
      writeSync(
        fd,
        compact()
          .map((r) => JSON.stringify(r) + '\n')
          .join(''),
      )
      fsyncSync(fd)
      closeSync(fd)
      renameSync(tmp, file)
    }
    const fd = openSync(file, 'a')
    syncDir(path.dirname(file))
    return new Journal<T>(file, fd, syncIntervalMs)
  }

  append(record: T, options: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`))
    return new Promise((resolve, reject) => {
      this.pending.push({
        line: JSON.stringify(record) + '\n',
        sync: !!options.sync,
        done: (err) => (err ? reject(err) : resolve()),
      })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.scheduled = false
    const batch = this.pending
    this.pending = []
    if (!batch.length) return
    try {
      // A few KB into the page cache: synchronous is faster than a thread-pool round trip.
      writeSync(this.fd, batch.map((b) => b.line).join(''))
    } catch (err) {
      for (const b of batch) b.done(err as Error)
      return
    }
    this.dirty = true
    const durable = batch.filter((b) => b.sync)
    for (const b of batch) if (!b.sync) b.done()
    if (durable.length) this.syncNow(durable.map((b) => b.done))
    else this.syncSoon()
  }

  /** fsync within the interval: written data reaches the disk without an fsync per write. */
  private syncSoon(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.syncNow([])
      }, this.syncIntervalMs)
    }
  }

  private waiting: Array<(err?: Error) => void> = []

  private syncNow(callbacks: Array<(err?: Error) => void>): void {
    this.waiting.push(...callbacks)
    if (this.syncing) return
    this.syncing = true
    this.dirty = false
    const done = this.waiting
    this.waiting = []
    fsync(this.fd, (err) => {
      this.syncing = false
      for (const cb of done) cb(err ?? undefined)
      // A handoff that waits is synced at once; other writes only within the interval, or a busy
      // server would fsync back to back all the time.
      if (this.waiting.length) this.syncNow([])
      else if (this.dirty) this.syncSoon()
    })
  }

  /**
   * Replaces the file with `records` (the live data), so deleted data leaves the disk now rather than
   * at the next start-up's compaction. Appends made meanwhile wait and go to the new file.
   */
  async rewrite(records: T[]): Promise<void> {
    while (this.scheduled || this.pending.length || this.syncing) await nextTurn()
    const tmp = `${this.file}.tmp`
    const fd = openSync(tmp, 'w')
    writeSync(fd, records.map((r) => JSON.stringify(r) + '\n').join(''))
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, this.file)
    syncDir(path.dirname(this.file))
    closeSync(this.fd)
    this.fd = openSync(this.file, 'a')
  }

  async close(): Promise<void> {
    if (this.closed) return
    while (this.scheduled || this.pending.length) await nextTurn()
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    while (this.syncing) await delay(1)
    this.closed = true
    fsyncSync(this.fd)
    closeSync(this.fd)
  }
}

interface DamagedLine {
  number: number
  bytes: Buffer
  problem: string
}

/** Replays each line; returns those that could not be (bytes as read: a person may repair them). */
function replayLines<T>(data: Buffer, replay: (record: T) => void): DamagedLine[] {
  const damaged: DamagedLine[] = []
  let start = 0
  for (let number = 1; start < data.length; number++) {
    const newline = data.indexOf(0x0a, start)
    const end = newline < 0 ? data.length : newline
    if (end > start) {
      const bytes = data.subarray(start, end)
      try {
        replay(JSON.parse(bytes.toString('utf8')) as T)
      } catch (err) {
        damaged.push({ number, bytes, problem: err instanceof Error ? err.message : String(err) })
      }
    }
    start = end + 1
  }
  return damaged
}

/**
 * Appends the damaged lines to the side file beside the log (`journal.ndjson` → `journal.damaged.ndjson`;
 * earlier start-ups' lines stay), durably, and logs each.
 */
function keepDamaged(file: string, damaged: DamagedLine[], log: JournalLog): void {
  const side = path.join(path.dirname(file), `${path.basename(file, '.ndjson')}.damaged.ndjson`)
  const fd = openSync(side, 'a')
  writeSync(fd, Buffer.concat(damaged.flatMap((d) => [d.bytes, Buffer.from('\n')])))
  fsyncSync(fd)
  closeSync(fd)
  syncDir(path.dirname(side))
  for (const d of damaged) {
    log.error(
      {
        file,
        line: d.number,
        problem: d.problem,
        // As `text`, so the app's logger masks phone and ID numbers a patient's message may hold.
        text: d.bytes.toString('utf8').slice(0, EXCERPT_CHARS),
        keptIn: side,
      },
      'damaged journal line: its record is not loaded (the rest is); the line is kept in keptIn',
    )
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    fsyncSync(fd)
    closeSync(fd)
  } catch {
    /* not supported on every platform */
  }
}
