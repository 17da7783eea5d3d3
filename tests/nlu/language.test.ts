import { describe, expect, it } from 'vitest'
import { LanguageDetector, replyLanguage, type LanguageSpec } from '../../src/nlu/language.js'
import { TermIndex } from '../../src/nlu/terms.js'
import { lastWordIndex } from '../../src/nlu/detectors/matcher.js'
import { SpellingCorrector } from '../../src/nlu/spelling.js'

const spec = (code: string, tokenizer: LanguageSpec['tokenizer'], scripts: string[]): LanguageSpec => ({
  code,
  name: code,
  tokenizer,
  scripts,
  dialogue: { followUp: '^$', fillers: '^$', shortFollowUp: 10, where: '^$' },
})

describe('language detection', () => {
  const detector = new LanguageDetector(
    [spec('zh', 'jieba', ['Han']), spec('en', 'words', ['Latin'])],
    new Set(['ct', 'mri', 'b', 'icu']),
  )

  it('tells Chinese from English, with names both use left out', () => {
    expect(detector.detect('心内科在几楼')).toEqual(['zh'])
    expect(detector.detect('做CT要空腹吗')).toEqual(['zh'])
    expect(detector.detect('B超在哪')).toEqual(['zh'])
    expect(detector.detect('Where is cardiology?')).toEqual(['en'])
    expect(detector.detect('CT在哪里 please')).toEqual(['zh', 'en'])
    expect(detector.detect('where is the 心内科').sort()).toEqual(['en', 'zh'])
    expect(detector.detect('5')).toEqual([])
  })

  it('answers a mixed message in the conversation language, else the switch, else not the base one', () => {
    expect(replyLanguage(['zh'], 'en', 'en')).toBe('zh')
    expect(replyLanguage(['zh', 'en'], 'zh', 'en')).toBe('zh')
    expect(replyLanguage(['zh', 'en'], undefined, 'en')).toBe('en')
    expect(replyLanguage(['zh', 'en'], undefined, undefined)).toBe('en')
    expect(replyLanguage([], 'en', undefined)).toBe('en')
    expect(replyLanguage([], undefined, 'en')).toBe('en')
    expect(replyLanguage([], undefined, undefined)).toBe('zh')
  })
})

describe('whole-word matching of Latin names', () => {
  const found = (index: TermIndex, text: string) => index.matches(text).map((m) => m.text)

  it('matches a Latin word only as a word, a Chinese one anywhere', () => {
    const index = new TermIndex(['ent', 'od', '心内科'])
    expect(found(index, 'see the dentist, some food')).toEqual([])
    expect(found(index, 'ent clinic; od last night')).toEqual(['ent', 'od'])
    expect(found(index, '去心内科')).toEqual(['心内科'])
    // Characters beyond the basic plane are two code units: a term with one still matches whole.
    expect(found(new TermIndex(['𠮷野家', '野']), '去𠮷野家吃，野')).toEqual(['𠮷野家', '野'])
  })

  it('prefers the longest term, and accepts plurals of names when asked to', () => {
    const names = new TermIndex(['x ray', 'chest x ray', '内科', '心内科'], { plural: true })
    expect(names.matches("two chest x rays, mom's 心内科")).toEqual([
      { term: 'chest x ray', text: 'chest x rays', start: 4, end: 16 },
      { term: '心内科', text: '心内科', start: 24, end: 27 },
    ])
    expect(found(new TermIndex(['x ray']), 'two x rays')).toEqual([])
    expect(new TermIndex(['x ray']).replace('an x ray, x rays', () => 'X')).toBe('an X, x rays')
  })
})

describe('last whole-word position', () => {
  it('finds a Latin word only where it stands alone, a Chinese one anywhere', () => {
    expect(lastWordIndex('i know no doctor', 'no')).toBe(7)
    expect(lastWordIndex('nothing here', 'no')).toBe(-1)
    expect(lastWordIndex('nobody knows', 'no')).toBe(-1)
    expect(lastWordIndex('不是胸痛', '不')).toBe(0)
  })
})

describe('spelling correction', () => {
  const targets = ['cardiology', 'unconscious', 'appointment', 'pharmacy', 'test']

  it('without a dictionary, corrects towards names and rule words only, and leaves words of the data alone', () => {
    const speller = new SpellingCorrector({ targets, known: ['where is the found'] })
    expect(speller.correct('where is cardiolgy')).toBe('where is cardiology')
    expect(speller.correct('my dad is unconcious')).toBe('my dad is unconscious')
    expect(speller.correct('book an appoitment at the pharmcy')).toBe('book an appointment at the pharmacy')
    expect(speller.correct('best text')).toBe('best text')
    // A word the data merely uses is not a target.
    expect(speller.correct('a wound')).toBe('a wound')
    expect(speller.correct('心内科 cardiology')).toBe('心内科 cardiology')
  })

  it('with a dictionary, corrects non-words towards words of the data, a one-off typo in the data included', () => {
    const dictionary = new Set([
      'where',
      'is',
      'the',
      'open',
      'opened',
      'wound',
      'found',
      'round',
      'clinic',
      'skin',
      'what',
      'floor',
      'when',
    ])
    const speller = new SpellingCorrector({
      targets,
      known: ['when is it open', 'skin clinc what floor', 'skin clinic', 'where is the found'],
      dictionary,
    })
    expect(speller.correct('pharmacy opne yet')).toBe('pharmacy open yet')
    expect(speller.correct('eye clinc')).toBe('eye clinic')
    expect(speller.correct('a round wound')).toBe('a round wound')
    expect(speller.correct('which flor')).toBe('which floor')
  })
})
