import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { readYaml } from '../knowledge-base/load.js'
import { BASE_LANGUAGE } from '../knowledge-base/locale.js'
import { execAll } from './regex.js'

/**
 * How one language is read, from intents/<code>/language.yaml: adding a language is a folder of data
 * (this file, intents, detectors, lexicons) plus knowledge/locales/<code>.yaml, never code.
 */
export interface LanguageSpec {
  code: string
  name: string
  /** jieba: Chinese word segmentation; words: split at spaces and punctuation, English words stemmed. */
  tokenizer: 'jieba' | 'words'
  /** Unicode scripts (Han, Latin, Hiragana…) whose letters show that a message is in this language. */
  scripts: string[]
  /**
   * A word list for spelling correction of a spaced language: an installed npm package whose default
   * export is the path of a one-word-per-line file (word-list), or such a file relative to intents/<code>/.
   */
  dictionary?: string
  /** The web widget's own words (buttons, welcome line, status) in this language. */
  widget?: Record<string, string>
  dialogue: {
    /** A message that only continues the previous question ("那骨科呢", "and neurology?"). */
    followUp: string
    /** Characters or words left out when judging whether a follow-up says anything besides a name. */
    fillers: string
    /** Up to this many characters, a message naming nothing may continue the previous topic. */
    shortFollowUp: number
    /** Asks where to go or which department ("去几楼", "在哪看"): with a condition named, a place question. */
    where: string
  }
}

export function loadLanguageSpec(intentsDir: string, code: string): LanguageSpec {
  return readYaml<LanguageSpec>(path.join(intentsDir, code, 'language.yaml'))
}

/** Languages with training data: folders of intents/ that hold a language.yaml. */
export function availableLanguages(intentsDir: string): string[] {
  if (!existsSync(intentsDir)) return []
  return readdirSync(intentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(intentsDir, d.name, 'language.yaml')))
    .map((d) => d.name)
    .sort((a, b) => (a === BASE_LANGUAGE ? -1 : b === BASE_LANGUAGE ? 1 : a.localeCompare(b)))
}

/** Languages whose letters a message has, most first; none for digits, "?" or emoji. */
export type DetectedLanguages = string[]

/**
 * Which language a message is written in, by the scripts of its letters. A Latin word counts only when
 * it is not a name the other languages use too (CT, B超, ICU, Wi-Fi): "做CT要空腹吗" is Chinese.
 * Han characters are counted one by one and Latin letters by the word, about one word each.
 */
export class LanguageDetector {
  private readonly scripts: Array<{ code: string; re: RegExp; words: boolean }>

  constructor(
    specs: LanguageSpec[],
    private readonly sharedWords: Set<string>,
  ) {
    this.scripts = specs.map((s) => ({
      code: s.code,
      re: new RegExp(
        s.tokenizer === 'words'
          ? `[${s.scripts.map((x) => `\\p{Script=${x}}`).join('')}]+`
          : `[${s.scripts.map((x) => `\\p{Script=${x}}`).join('')}]`,
        'gu',
      ),
      words: s.tokenizer === 'words',
    }))
  }

  detect(text: string): DetectedLanguages {
    const lower = text.normalize('NFKC').toLowerCase()
    const found: Array<{ code: string; count: number }> = []
    for (const s of this.scripts) {
      let count = 0
      // Characters are counted by what a replace removes: no match object per character.
      if (!s.words) count = lower.length - lower.replace(s.re, '').length
      else for (const m of execAll(s.re, lower)) if (!this.sharedWords.has(m[0])) count++
      if (count) found.push({ code: s.code, count })
    }
    return found.sort((a, b) => b.count - a.count).map((f) => f.code)
  }
}

/**
 * The language to answer in. A message in one language is answered in it. A mixed one ("CT在哪里
 * please") keeps the conversation's language, else the widget's switch, else the language that is not
 * the base one: people writing Chinese drop in names like CT, not words like "please".
 * A message without letters ("1", "？") keeps the conversation's language.
 */
export function replyLanguage(
  detected: DetectedLanguages,
  conversation: string | undefined,
  hint: string | undefined,
): string {
  if (detected.length === 1) return detected[0]!
  if (!detected.length) return conversation ?? hint ?? BASE_LANGUAGE
  for (const choice of [conversation, hint]) if (choice && detected.includes(choice)) return choice
  return detected.find((c) => c !== BASE_LANGUAGE) ?? detected[0]!
}
