import * as OpenCC from 'opencc-js'
import { pinyin } from 'pinyin-pro'
import { TermIndex } from './terms.js'
import { execAll } from './regex.js'

const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' })

const EMOJI = /\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}]|\u{FE0F}|\u{200D}|\u{20E3}/gu
const CONTROL = /[\p{Cc}\p{Cf}]/gu
// After NFKC, full-width ！？，～ are ASCII; 。、… stay CJK.
const REPEATED_PUNCT = /([!?,.~。、…；;:])[!?,.~。、…；;:\s]*/g
const CJK = '\\p{Script=Han}'
const SPACE_BETWEEN_CJK = new RegExp(`(?<=[${CJK}])\\s+|\\s+(?=[${CJK}])`, 'gu')

/**
 * Corrects domain words typed with a wrong character of the same sound (胃境 -> 胃镜, 核磁公振 -> 核磁共振):
 * a window of the input with the same toneless pinyin as a known term, sharing at least one character
 * with it and differing in at most half of them, is replaced by the term.
 */
export class HomophoneCorrector {
  // Each term with its characters and their readings split once: common characters (科, 室) are in
  // hundreds of terms, and every message looks at each of them.
  private readonly byChar = new Map<
    string,
    Array<{ term: string; at: number; chars: string[]; read: string[] }>
  >()
  private readonly readings = new Map<string, Set<string>>()
  private readonly known: Set<string>
  private exact: RegExp | undefined

  constructor(terms: Iterable<string>) {
    this.known = new Set()
    for (const raw of terms) {
      const term = raw.toLowerCase()
      const chars = [...term]
      if (chars.length < 2 || !/\p{Script=Han}/u.test(term) || this.known.has(term)) continue
      this.known.add(term)
      // Context-aware reading of the term itself (重症 is zhong, not chong).
      const pinyins = pinyin(term, { toneType: 'none', type: 'array' })
      const read = chars.map((c, i) => (/\p{Script=Han}/u.test(c) ? (pinyins[i] ?? c) : c))
      chars.forEach((c, at) => {
        const list = this.byChar.get(c)
        if (list) list.push({ term, at, chars, read })
        else this.byChar.set(c, [{ term, at, chars, read }])
      })
    }
  }

  private readingsOf(c: string): Set<string> {
    let r = this.readings.get(c)
    if (!r) {
      r = /\p{Script=Han}/u.test(c)
        ? new Set(pinyin(c, { toneType: 'none', type: 'array', multiple: true }))
        : new Set([c])
      this.readings.set(c, r)
    }
    return r
  }

  /** Characters inside a correctly written term are never rewritten (皮肤科 must not become 皮妇科). */
  private lockedPositions(chars: string[]): boolean[] {
    const locked = new Array<boolean>(chars.length).fill(false)
    const text = chars.join('')
    if (!this.exact) {
      this.exact = new RegExp(
        [...this.known]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'gu',
      )
    }
    for (const m of execAll(this.exact, text)) {
      const start = [...text.slice(0, m.index)].length
      for (let k = 0; k < [...m[0]].length; k++) locked[start + k] = true
    }
    return locked
  }

  correct(text: string): string {
    const chars = [...text]
    const locked = this.lockedPositions(chars)
    let changed = false
    for (let j = 0; j < chars.length; j++) {
      const candidates = this.byChar.get(chars[j]!)
      if (!candidates || locked[j]) continue
      let best: { start: number; chars: string[] } | undefined
      for (const { at, chars: termChars, read } of candidates) {
        const start = j - at
        const n = termChars.length
        if (start < 0 || start + n > chars.length) continue
        if (best && n <= best.chars.length) continue
        // Same sound where it differs, in at most half of the characters, none of them locked.
        let diff = 0
        let ok = true
        for (let k = 0; k < n && ok; k++) {
          if (locked[start + k]) ok = false
          else if (chars[start + k] !== termChars[k]) {
            ok = ++diff * 2 <= n && this.readingsOf(chars[start + k]!).has(read[k]!)
          }
        }
        if (!ok || diff === 0 || this.known.has(chars.slice(start, start + n).join(''))) continue
        best = { start, chars: termChars }
      }
      if (best) {
        chars.splice(best.start, best.chars.length, ...best.chars)
        changed = true
        j = best.start + best.chars.length - 1
      }
    }
    return changed ? chars.join('') : text
  }
}

export interface Normaliser {
  (text: string): string
}
export interface Corrector {
  correct(text: string): string
}

// "can’t" and "can't" are one word; "x-ray", "x ray" and "e-invoice" are spelt with a space.
const CURLY_APOSTROPHE = /[\u2018\u2019\u02bc`´]/g
const HYPHEN_IN_WORD = /(?<=\p{L})[-‐‑–](?=\p{L})/gu

/** Typos that are not homophones (新内科, B朝) come from data; see intents/<lang>/lexicons/typos.yaml. */
export function createNormaliser(typos: Record<string, string>, corrector: Corrector): Normaliser {
  const table = new Map(Object.entries(typos).map(([k, v]) => [normaliseName(k), normaliseName(v)]))
  const typoWords = new TermIndex(table.keys())
  return (input: string) => {
    let t = input.normalize('NFKC')
    t = toSimplified(t).toLowerCase()
    t = t
      .replace(EMOJI, ' ')
      .replace(CONTROL, ' ')
      .replace(CURLY_APOSTROPHE, "'")
      .replace(HYPHEN_IN_WORD, ' ')
    t = t.replace(REPEATED_PUNCT, '$1').replace(SPACE_BETWEEN_CJK, '').replace(/\s+/g, ' ').trim()
    if (typoWords.size) t = typoWords.replace(t, (m) => table.get(m.term)!)
    return corrector.correct(t)
  }
}

/** A name or alias as messages are normalised, so "X-ray" in the knowledge matches "x ray" typed. */
export function normaliseName(name: string): string {
  return String(name)
    .normalize('NFKC')
    .toLowerCase()
    .replace(CURLY_APOSTROPHE, "'")
    .replace(HYPHEN_IN_WORD, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
