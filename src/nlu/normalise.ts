import * as OpenCC from 'opencc-js'
import { pinyin } from 'pinyin-pro'
import { TermIndex } from './terms.js'
import { execAll } from './regex.js'

const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' })

const EMOJI = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}\u{20E3}]/gu
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
  private readonly byChar = new Map<string, Array<{ term: string; at: number }>>()
  private readonly readings = new Map<string, Set<string>>()
  private readonly termReadings = new Map<string, string[]>()
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
      const read = pinyin(term, { toneType: 'none', type: 'array' })
      this.termReadings.set(term, chars.map((c, i) => (/\p{Script=Han}/u.test(c) ? read[i] ?? c : c)))
      chars.forEach((c, at) => this.byChar.set(c, [...(this.byChar.get(c) ?? []), { term, at }]))
    }
  }

  private readingsOf(c: string): Set<string> {
    let r = this.readings.get(c)
    if (!r) {
      r = /\p{Script=Han}/u.test(c) ? new Set(pinyin(c, { toneType: 'none', type: 'array', multiple: true })) : new Set([c])
      this.readings.set(c, r)
    }
    return r
  }

  /** Characters inside a correctly written term are never rewritten (皮肤科 must not become 皮妇科). */
  private lockedPositions(chars: string[]): boolean[] {
    const locked = new Array<boolean>(chars.length).fill(false)
    const text = chars.join('')
    if (!this.exact) this.exact = new RegExp([...this.known].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gu')
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
      let best: { start: number; term: string } | undefined
      for (const { term, at } of candidates) {
        const start = j - at
        const termChars = [...term]
        if (start < 0 || start + termChars.length > chars.length) continue
        if (best && termChars.length <= [...best.term].length) continue
        const window = chars.slice(start, start + termChars.length)
        const joined = window.join('')
        if (joined === term || this.known.has(joined) || locked.slice(start, start + termChars.length).some(Boolean)) continue
        const termRead = this.termReadings.get(term)!
        let diff = 0
        let ok = true
        for (let k = 0; k < termChars.length && ok; k++) {
          if (window[k] === termChars[k]) continue
          diff++
          ok = this.readingsOf(window[k]!).has(termRead[k]!)
        }
        if (ok && diff > 0 && diff * 2 <= termChars.length) best = { start, term }
      }
      if (best) {
        const termChars = [...best.term]
        chars.splice(best.start, termChars.length, ...termChars)
        changed = true
        j = best.start + termChars.length - 1
      }
    }
    return changed ? chars.join('') : text
  }
}

export interface Normaliser { (text: string): string }
export interface Corrector { correct(text: string): string }

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
    t = t.replace(EMOJI, ' ').replace(CONTROL, ' ').replace(CURLY_APOSTROPHE, "'").replace(HYPHEN_IN_WORD, ' ')
    t = t.replace(REPEATED_PUNCT, '$1').replace(SPACE_BETWEEN_CJK, '').replace(/\s+/g, ' ').trim()
    if (typoWords.size) t = typoWords.replace(t, (m) => table.get(m.term)!)
    return corrector.correct(t)
  }
}

/** A name or alias as messages are normalised, so "X-ray" in the knowledge matches "x ray" typed. */
export function normaliseName(name: string): string {
  return String(name).normalize('NFKC').toLowerCase().replace(CURLY_APOSTROPHE, "'").replace(HYPHEN_IN_WORD, ' ').replace(/\s+/g, ' ').trim()
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
