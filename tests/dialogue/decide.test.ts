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

describe('dialogue decisions', () => {
  it('two fallbacks in a row offer a person, the third hands off', async () => {
    const first = await chat(app, 'fail-3', '今天天气怎么样')
    expect(first.action).toBe('fallback')
    expect(first.suggestions).not.toContain('转人工')
    const second = await chat(app, 'fail-3', '给我讲个笑话')
    expect(second.action).toBe('fallback')
    expect(second.reply).toContain('转人工')
    expect(second.suggestions).toContain('转人工')
    const third = await chat(app, 'fail-3', '股票明天涨不涨')
    expect(third.action).toBe('handoff')
    expect(third.handoff).toMatchObject({ reason: 'repeated_failure', priority: 'normal' })
  })

  it('an answer in between resets the count', async () => {
    await chat(app, 'fail-reset', '今天天气怎么样')
    expect((await chat(app, 'fail-reset', '心内科在几楼')).action).toBe('answer')
    const next = await chat(app, 'fail-reset', '给我讲个笑话')
    expect(next.action).toBe('fallback')
    expect(next.reply).not.toContain('如果我一直没帮上忙')
  })

  it('carries the exam into a follow-up that does not name one', async () => {
    await chat(app, 'slot-exam', '明天做胃镜')
    const next = await chat(app, 'slot-exam', '要空腹吗')
    expect(next.action).toBe('answer')
    expect(next.reply).toContain('8小时')
  })

  it('asks which exam when none is known, with tappable suggestions', async () => {
    const res = await chat(app, 'no-exam', '检查前要空腹吗')
    expect(res.action).toBe('clarify')
    expect(res.suggestions.length).toBeGreaterThanOrEqual(2)
  })

  it('answers which department for a symptom, never what to take for it', async () => {
    const where = await chat(app, 'triage-1', '牙疼挂什么科')
    expect(where.action).toBe('answer')
    expect(where.reply).toContain('口腔科')
    expect(where.reply).toContain('6楼')
    const drug = await chat(app, 'triage-2', '牙疼吃什么药')
    expect(drug.action).toBe('fallback')
    expect(drug.reply).not.toMatch(/布洛芬|止痛药/)
  })

  it('never sends a patient to a closed clinic: at night it says when it opens and what is open now', async () => {
    // Wednesday 2026-11-25, hospital time.
    const night = await chat(app, 'care-night', '肚子疼挂什么科', '2026-11-25T03:00:00+08:00')
    expect(night.reply).toContain('消化内科')
    expect(night.reply).toContain('已停诊')
    expect(night.reply).toContain('今天 8:00')
    expect(night.reply).toMatch(/现在可以去：急诊科（急诊楼1楼/)
    const evening = await chat(app, 'care-evening', '肚子疼挂什么科', '2026-11-25T19:00:00+08:00')
    expect(evening.reply).toContain('明天 8:00')
    expect(evening.reply).toContain('夜间门诊（门诊楼1楼夜间门诊区')
    const pregnant = await chat(app, 'care-pregnant', '怀孕了肚子有点疼怎么办', '2026-11-25T03:00:00+08:00')
    expect(pregnant.reply).toContain('产科')
    expect(pregnant.reply).toContain('已停诊')
    expect(pregnant.reply).toContain('急诊科')
    const day = await chat(app, 'care-day', '肚子疼挂什么科', '2026-11-25T10:00:00+08:00')
    expect(day.reply).toContain('可以考虑挂消化内科（门诊楼2楼）')
    expect(day.reply).not.toContain('已停诊')
  })

  it('finds a place named by a condition or body part, and never repeats the last place for an unknown one', async () => {
    const teeth = await chat(app, 'place-teeth', '看牙去几楼')
    expect(teeth).toMatchObject({ action: 'answer', intent: 'place_location' })
    expect(teeth.reply).toContain('口腔科')
    expect(teeth.reply).toContain('6楼')
    await chat(app, 'place-canteen', '心内科在几楼')
    const canteen = await chat(app, 'place-canteen', '食堂在哪')
    expect(canteen.action).toBe('fallback')
    expect(canteen.reply).toContain('没有食堂的信息')
    expect(canteen.reply).toContain('服务中心')
    expect(canteen.reply).not.toContain('心血管内科')
  })

  it("answers a keyword intent only when the question is the hospital's", async () => {
    for (const text of ['帮我打个电话给老王', '万达停车怎么收费', '苹果用英语怎么说']) {
      const res = await chat(app, `elsewhere-${text}`, text)
      expect(res.action, text).toBe('fallback')
      expect(res.intent, text).toBe('out_of_scope')
    }
    expect((await chat(app, 'elsewhere-parking', '停车怎么收费')).intent).toBe('parking')
    expect((await chat(app, 'elsewhere-phone', '医院电话多少')).intent).toBe('hospital_phone')
    expect((await chat(app, 'elsewhere-friend', '我朋友在你们医院住院，停车怎么收费')).intent).toBe('parking')
  })

  it("computes the fasting clock times from the appointment, from the exam's fasting hours", async () => {
    const at8 = await chat(app, 'prep-at-8', '明天早上8点做胃镜，几点开始不能吃东西')
    expect(at8.intent).toBe('exam_preparation')
    expect(at8.reply).toContain('0:00以后不要再吃东西')
    expect(at8.reply).toContain('6:00以后不要再喝水')
    const at7 = await chat(app, 'prep-at-7', '明早7点做胃镜')
    expect(at7.reply).toContain('前一天 23:00以后不要再吃东西')
    const noTime = await chat(app, 'prep-no-time', '做胃镜要空腹吗')
    expect(noTime.reply).not.toContain('以后不要再吃东西')
    expect(noTime.reply).toContain('禁食8小时')
  })

  it('reads a fragment naming nothing as a question about the last exam or place', async () => {
    await chat(app, 'fragment-exam', '做胃镜要空腹吗')
    const hungry = await chat(app, 'fragment-exam', '要饿多久')
    expect(hungry).toMatchObject({ action: 'answer', intent: 'exam_preparation' })
    expect(hungry.reply).toContain('禁食8小时')
    await chat(app, 'fragment-place', '中药房在哪')
    const closing = await chat(app, 'fragment-place', '几点下班')
    expect(closing).toMatchObject({ action: 'answer', intent: 'place_hours' })
    expect(closing.reply).toContain('中药房')
    const weather = await chat(app, 'fragment-place', '今天天气怎么样')
    expect(weather.action).toBe('fallback')
  })

  it('states the report time of a blood test as the hospital does, per test', async () => {
    expect((await chat(app, 'report-blood', '抽血结果多久出')).reply).toContain(
      '血常规约2小时，生化约1个工作日',
    )
    expect((await chat(app, 'report-routine', '孩子查血常规多久出')).reply).toContain('血常规报告：约2小时')
  })

  it('never states a fact it does not have', async () => {
    const price = await chat(app, 'price', '做个胃镜多少钱')
    expect(price.action).toBe('fallback')
    expect(price.reply).not.toMatch(/\d+元/)
    const prep = await chat(app, 'xray-prep', 'X光检查前要准备什么')
    expect(prep.action).not.toBe('answer')
  })

  it('a price the knowledge does state (parking, a deposit) is answered, others are not guessed', async () => {
    const parking = await chat(app, 'price-parking', '停车费多少钱')
    expect(parking).toMatchObject({ action: 'answer', intent: 'parking' })
    expect(parking.reply).toContain('每小时5元')
    const english = await chat(app, 'price-parking-en', 'how much does parking cost')
    expect(english).toMatchObject({ action: 'answer', intent: 'parking' })
    expect(english.reply).toContain('5 yuan')
    const deposit = await chat(app, 'price-wheelchair', '轮椅押金多少钱')
    expect(deposit.reply).toContain('200元')
    for (const [id, text] of [
      ['price-reg', '挂号费多少钱'],
      ['price-mri', 'how much is an MRI'],
      ['price-admit', '住院押金多少'],
    ]) {
      const res = await chat(app, id!, text!)
      expect(res.action, text).toBe('fallback')
      expect(res.reply, text).not.toMatch(/\d+\s*(元|yuan)/)
    }
  })

  it('an angry complaint is a complaint with its level, even when it also asks for a person', async () => {
    const res = await chat(app, 'angry', '收费处多收了我两百块，我要投诉，转人工')
    expect(res.handoff?.reason).toBe('complaint')
    const ticket = await app.stores.tickets.get(res.handoff!.ticketId)
    expect(ticket?.detail).toMatchObject({ category: 'billing' })
  })

  it('answers what is open at night from the request clock', async () => {
    const night = await chat(app, 'clock-1', '现在能挂号吗', '2026-11-24T01:00:00+08:00')
    expect(night.reply).toContain('已关闭')
    expect(night.reply).toContain('急诊收费处')
    const day = await chat(app, 'clock-2', '现在门诊开了吗', '2026-11-24T09:00:00+08:00')
    expect(day.reply).toContain('正在开放')
  })
})

describe('never answers hours for a place it does not know', () => {
  it('does not answer when the question names something outside the hospital data', async () => {
    const res = await chat(app, 'unknown-place', '医院食堂几点开饭')
    expect(res.action).not.toBe('answer')
    expect(res.reply).not.toContain('8:00')
    expect((await chat(app, 'known-default', '医院几点开门')).reply).toContain('8:00-12:00')
  })
})

describe('buildings, other hospitals, reports and telling the doctor', () => {
  it('says what a building holds floor by floor, and how two buildings connect', async () => {
    const building = await chat(app, 'building-1', '医技楼在哪')
    expect(building.action).toBe('answer')
    expect(building.reply).toContain('2楼 超声科')
    expect(building.reply).toContain('连廊')
    const both = await chat(app, 'building-2', '门诊楼到医技楼怎么走')
    expect(both.reply).toBe('门诊楼与医技楼2楼有连廊相通。')
  })

  it('never answers with its own floors about another hospital, unless this one is named too', async () => {
    const other = await chat(app, 'other-hospital', '人民医院的骨科在几楼')
    expect(other.action).toBe('fallback')
    expect(other.reply).not.toContain('3楼')
    const ours = await chat(app, 'ours-too', '从人民医院转来的，你们骨科在几楼')
    expect(ours.reply).toContain('3楼')
  })

  it('a follow-up word keeps the topic unless the message surely asks another: "电话呢" after the address', async () => {
    await chat(app, 'switch-topic', '医院地址在哪')
    const phone = await chat(app, 'switch-topic', '电话呢')
    expect(phone.intent).toBe('hospital_phone')
    expect(phone.reply).toContain('0571-8800-1200')
  })

  it('a where-question naming a place is answered with where it is, open first, when nothing else is sure', async () => {
    const res = await chat(app, 'where-pharmacy', '夜里去哪儿取药')
    expect(res.action).toBe('answer')
    expect(res.reply).toMatch(/^夜间开放的是：急诊药房在急诊楼1楼/)
  })

  it('dates the report of the exam whose report the knowledge dates, among several named', async () => {
    const res = await chat(app, 'report-two', '肠镜做完送了活检，结果多久出来')
    expect(res.action).toBe('answer')
    expect(res.reply).toContain('5-7个工作日')
  })

  it('reads "要跟医生说吗" as a question about telling the doctor, and "我要跟医生说话" as asking for one', async () => {
    const tell = await chat(app, 'tell-doctor', '有金属植入物，做核磁前要跟医生说吗')
    expect(tell.action).toBe('answer')
    expect(tell.reply).toContain('告知医生')
    expect((await chat(app, 'want-doctor', '我要跟医生说话')).handoff?.reason).toBe('human_requested')
  })
})
