import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { readYaml } from '../knowledge-base/load.js'

/**
 * Languages the bot recognises but does not answer in (intents/reply-only/<code>.yaml): a message in
 * one of them gets the emergency reply when it names a red flag, else a handoff to a person who can
 * call an interpreter, both in that language.
 */
export interface ReplyOnlySpec {
  code: string
  name: string
  /** Unicode scripts whose letters show the language (kana, not kanji, for Japanese). */
  scripts: string[]
  /** Words and phrases by presentation; "a+b" needs both. */
  redFlags: Record<string, string[]>
  /** History and hypothetical markers: with no acute marker, a red flag is not happening now. */
  notNow?: string[]
  acute?: string[]
  replies: { emergency: string; selfHarm: string; handoff: string }
}

export interface ForeignReading {
  code: string
  name: string
  replies: ReplyOnlySpec['replies']
  redFlag?: { presentation: string; evidence: string }
}

/** Two letters of a language's own script make a message that language's. */
const MIN_LETTERS = 2

// NFKC, lower case, and Arabic without vowel marks, tatweel or the variants of alef and yeh, so that
// a word is found however it was typed.
const normalise = (s: string) =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/[أإآ]/g, 'ا')
    .replace(/ى/g, 'ي')

interface Compiled {
  spec: ReplyOnlySpec
  letters: RegExp
  redFlags: Array<[string, string[][]]>
  notNow: string[]
  acute: string[]
}

export class ReplyOnlyLanguages {
  private readonly languages: Compiled[]

  constructor(specs: ReplyOnlySpec[]) {
    this.languages = specs.map((spec) => ({
      spec,
      letters: new RegExp(`[${spec.scripts.map((s) => `\\p{Script=${s}}`).join('')}]`, 'gu'),
      // Self-harm first: its reply is its own.
      redFlags: Object.entries(spec.redFlags)
        .sort(([a], [b]) => Number(b === 'self_harm') - Number(a === 'self_harm'))
        .map(([presentation, terms]) => [presentation, terms.map((t) => normalise(t).split('+'))]),
      notNow: (spec.notNow ?? []).map(normalise),
      acute: (spec.acute ?? []).map(normalise),
    }))
  }

  static load(intentsDir: string): ReplyOnlyLanguages {
    const dir = path.join(intentsDir, 'reply-only')
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : []
    return new ReplyOnlyLanguages(files.sort().map((f) => readYaml<ReplyOnlySpec>(path.join(dir, f))))
  }

  get codes(): string[] {
    return this.languages.map((l) => l.spec.code)
  }

  /** The reply-only language a message is written in, and the red flag it names, if any. */
  read(text: string): ForeignReading | undefined {
    const lang = this.languages.find((l) => (text.match(l.letters)?.length ?? 0) >= MIN_LETTERS)
    if (!lang) return undefined
    const { code, name, replies } = lang.spec
    const said = normalise(text)
    const has = (words: string[]) => words.some((w) => said.includes(w))
    if (has(lang.notNow) && !has(lang.acute)) return { code, name, replies }
    for (const [presentation, terms] of lang.redFlags) {
      const hit = terms.find((parts) => parts.every((p) => said.includes(p)))
      if (hit) return { code, name, replies, redFlag: { presentation, evidence: hit.join('+') } }
    }
    return { code, name, replies }
  }
}
