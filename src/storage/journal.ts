import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { fsync, write } from 'node:fs'
import path from 'node:path'

/**
 * An append-only, fsync'd log of JSON records: the embedded store's durability. A write resolves only
 * after its bytes are on disk, so an acknowledged ticket survives `kill -9`. Writes that arrive
 * together share one fsync (group commit), which keeps throughput when many patients write at once.
 * A torn last line (a crash mid-write) is dropped on open; the log is compacted at start-up.
 */
export class Journal<T> {
  private fd: number
  private pending: Array<{ line: string; done: (err?: Error) => void }> = []
  private flushing = false
  private closed = false

  private constructor(readonly file: string, fd: number) { this.fd = fd }

  /** Opens (creating) the log and replays it; `compact` returns the records that are still live. */
  static open<T>(file: string, replay: (record: T) => void, compact: () => T[]): Journal<T> {
    mkdirSync(path.dirname(file), { recursive: true })
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n')
      for (const line of lines) {
        if (!line) continue
        try { replay(JSON.parse(line) as T) } catch { /* torn tail of a crashed write: drop it */ }
      }
      const live = compact()
      const tmp = `${file}.tmp`
      const fd = openSync(tmp, 'w')
      writeSync(fd, live.map((r) => JSON.stringify(r) + '\n').join(''))
      fsyncSync(fd)
      closeSync(fd)
      renameSync(tmp, file)
      syncDir(path.dirname(file))
    }
    const fd = openSync(file, 'a')
    syncDir(path.dirname(file))
    return new Journal<T>(file, fd)
  }

  append(record: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`))
    return new Promise((resolve, reject) => {
      this.pending.push({ line: JSON.stringify(record) + '\n', done: (err) => (err ? reject(err) : resolve()) })
      if (!this.flushing) setImmediate(() => this.flush())
    })
  }

  private flush(): void {
    if (this.flushing || !this.pending.length) return
    this.flushing = true
    const batch = this.pending
    this.pending = []
    const buf = Buffer.from(batch.map((b) => b.line).join(''))
    const finish = (err?: Error | null) => {
      for (const b of batch) b.done(err ?? undefined)
      this.flushing = false
      if (this.pending.length) setImmediate(() => this.flush())
    }
    writeAll(this.fd, buf, (err) => (err ? finish(err) : fsync(this.fd, finish)))
  }

  async close(): Promise<void> {
    while (this.flushing || this.pending.length) await new Promise((r) => setTimeout(r, 2))
    this.closed = true
    closeSync(this.fd)
  }
}

function writeAll(fd: number, buf: Buffer, cb: (err?: Error | null) => void, offset = 0): void {
  write(fd, buf, offset, buf.length - offset, null, (err, n) => {
    if (err) return cb(err)
    if (offset + n < buf.length) return writeAll(fd, buf, cb, offset + n)
    cb()
  })
}

function syncDir(dir: string): void {
  try { const fd = openSync(dir, 'r'); fsyncSync(fd); closeSync(fd) } catch { /* not supported on every platform */ }
}
