import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testApp } from '../helpers.js'

let app: FastifyInstance
beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app?.close()
})

// Languages the bot recognises but does not answer in (intents/reply-only/): the reply is in the
// patient's own script, with the hospital's facts (120, 急诊楼1楼) filled in.
const SCRIPT = {
  ja: /[\p{Script=Hiragana}\p{Script=Katakana}]/u,
  ko: /\p{Script=Hangul}/u,
  ar: /\p{Script=Arabic}/u,
}

describe('Japanese, Korean and Arabic', () => {
  it.each([
    ['ja', '母が急に倒れて、呼んでも反応がありません'],
    ['ko', '남편이 가슴이 아프다고 하면서 식은땀을 흘려요'],
    ['ar', 'والدي لا يستطيع التنفس ووجهه أزرق'],
  ] as const)(
    'an emergency in %s gets 120 and the emergency department in that language',
    async (lang, text) => {
      const res = await chat(app, `foreign-emergency-${lang}`, text)
      expect(res.action).toBe('handoff')
      expect(res.handoff).toMatchObject({ reason: 'emergency', priority: 'urgent' })
      expect(res.reply).toContain('120')
      expect(res.reply).toContain('急诊楼1楼')
      expect(res.reply).toMatch(SCRIPT[lang])
    },
  )

  it.each([
    ['ja', '駐車場は何時まで使えますか'],
    ['ko', '주차장은 몇 시까지 이용할 수 있나요?'],
    ['ar', 'متى يفتح موقف السيارات؟'],
  ] as const)(
    'anything else in %s goes to a person, tagged with the language for an interpreter',
    async (lang, text) => {
      const res = await chat(app, `foreign-question-${lang}`, text)
      expect(res.action).toBe('handoff')
      expect(res.handoff).toMatchObject({ reason: 'interpreter', priority: 'normal' })
      expect(res.reply).toMatch(SCRIPT[lang])
      // Nobody is on duty in this test: the Chinese "no one online" line is not added to a foreign reply.
      expect(res.reply).not.toContain('值班人员')
      const ticket = await app.stores.tickets.get(res.handoff!.ticketId)
      expect(ticket).toMatchObject({ language: lang, detail: { language: lang } })
    },
  )

  it('reads a red flag told as history as not happening now', async () => {
    const res = await chat(
      app,
      'foreign-history-ja',
      '父は3年前に脳梗塞になりました。リハビリ科の予約をしたいです',
    )
    expect(res.handoff?.reason).toBe('interpreter')
  })

  it('keeps Chinese with a Japanese-looking kanji in Chinese', async () => {
    const res = await chat(app, 'foreign-kanji-zh', '心内科在几楼')
    expect(res.action).toBe('answer')
  })
})
