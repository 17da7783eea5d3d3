import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClassifierState } from './classifier.js'

/** What a language's training produced, as plain data. */
export interface StoredTraining {
  classifier: ClassifierState
  words: string[]
}

/** Trainings kept on disk: the live version's languages, a draft's, and a few before them. */
const KEPT = 12
const STALE_TMP_MS = 3_600_000

/**
 * Trainings on disk, by content: a restart (or another instance on the same data directory) loads
 * what was learned from the same examples instead of training again, ~0.5 s of start-up for Chinese.
 * A file is named by the hash of everything training reads, including this code, so a changed
 * example, rule file, dictionary or release never loads a stale training; a damaged file is retrained.
 */
export class TrainingStore {
  constructor(private readonly dir: string) {}

  load(key: string): StoredTraining | undefined {
    let training: StoredTraining
    try {
      training = JSON.parse(readFileSync(this.file(key), 'utf8')) as StoredTraining
    } catch {
      return undefined
    }
    // Used now: pruning keeps the trainings used last, the live version's among them (a read-only
    // disk just keeps the old time).
    try {
      const now = new Date()
      utimesSync(this.file(key), now, now)
    } catch {
      /* read-only */
    }
    return training
  }

  save(key: string, training: StoredTraining): void {
    try {
      mkdirSync(this.dir, { recursive: true })
      // Random, not the pid: containers sharing a volume all run as pid 1.
      const tmp = `${this.file(key)}.${randomBytes(6).toString('hex')}.tmp`
      writeFileSync(tmp, JSON.stringify(training))
      renameSync(tmp, this.file(key))
      this.prune()
    } catch {
      // A cache: a full or read-only disk means the next start trains again, nothing worse.
    }
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`)
  }

  /** The trainings used last are kept; a temporary file a crash left behind goes after an hour. */
  private prune(): void {
    const files = readdirSync(this.dir).map((f) => ({ f, at: statSync(path.join(this.dir, f)).mtimeMs }))
    const trainings = files.filter(({ f }) => f.endsWith('.json')).sort((a, b) => b.at - a.at)
    const stale = files.filter(({ f, at }) => f.endsWith('.tmp') && Date.now() - at > STALE_TMP_MS)
    for (const { f } of [...trainings.slice(KEPT), ...stale]) unlinkSync(path.join(this.dir, f))
  }
}

let code: string | undefined

/**
 * This release's NLU code and the versions of the libraries features depend on: training files from
 * another build are not loaded, since features or the classifier may have changed.
 */
export function codeFingerprint(): string {
  if (code) return code
  const hash = createHash('sha256')
  const here = path.dirname(fileURLToPath(import.meta.url))
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (/\.[jt]s$/.test(entry.name)) hash.update(entry.name).update(readFileSync(p))
    }
  }
  walk(here)
  // The segmenter, the readings and script conversion of Chinese, and English stemming and spelling.
  for (const pkg of ['nodejieba', 'pinyin-pro', 'opencc-js', 'natural', 'word-list']) {
    hash.update(`${pkg}@${packageVersion(pkg)}`)
  }
  code = hash.digest('base64url')
  return code
}

/** An installed package's version (its package.json need not be exported). */
function packageVersion(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string
        version?: string
      }
      if (pkg.name === name) return pkg.version ?? ''
    } catch {
      /* not this folder */
    }
    const up = path.dirname(dir)
    if (up === dir) return ''
    dir = up
  }
}
