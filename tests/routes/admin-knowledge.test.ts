import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import type { Config } from '../../src/config.js'
import { chat, testConfig } from '../helpers.js'

let app: FastifyInstance
let config: Config
let auth: { authorization: string }

beforeAll(async () => {
  config = testConfig({ admin: { username: 'kb.admin', password: 'knowledge-2026' } })
  app = await buildApp(config, { logger: false })
  await app.ready()
  const token = (
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'kb.admin', password: 'knowledge-2026' },
    })
  ).json().token
  auth = { authorization: `Bearer ${token}` }
})
afterAll(async () => {
  await app?.close()
})

const get = (url: string) => app.inject({ method: 'GET', url, headers: auth })
const send = (method: 'PUT' | 'POST', url: string, payload: object) =>
  app.inject({ method, url, headers: auth, payload })
const places = async () =>
  structuredClone((await get('/api/admin/knowledge')).json().draft.source.places) as Array<
    Record<string, unknown>
  >

describe('admins run the knowledge base', () => {
  it('changes 心内科 floor in a draft, tries it, publishes with no failed request, and rolls back', async () => {
    const edited = await places()
    edited.find((p) => p.id === 'cardiology')!.floor = 9
    const res = await send('PUT', '/api/admin/knowledge/draft/places', { value: edited })
    expect(res.statusCode).toBe(200)
    expect(res.json().changes).toEqual([expect.stringContaining('floor: 2 → 9')])

    const tried = (await send('POST', '/api/admin/knowledge/draft/try', { text: '心内科在几楼' })).json()
    expect(tried.draft.reply).toContain('9楼')
    expect(tried.live.reply).toContain('2楼')
    expect((await chat(app, 'kb-before', '心内科在几楼')).reply).toContain('2楼')
    const acc = (await get('/api/admin/knowledge/draft/accuracy')).json()
    expect(acc.draft).toBeGreaterThan(0.8)

    // Patients keep asking while the admin publishes: every request succeeds, old or new answer.
    const stop = new AbortController()
    const statuses: number[] = []
    const loop = (async () => {
      for (let i = 0; !stop.signal.aborted; i++) {
        const r = await app.inject({
          method: 'POST',
          url: '/api/chat',
          payload: { sessionId: `kb-loop-${i}`, text: '心内科在几楼' },
        })
        statuses.push(r.statusCode)
      }
    })()
    const published = await send('POST', '/api/admin/knowledge/publish', { note: '心内科搬到9楼' })
    expect(published.statusCode).toBe(200)
    expect(published.json()).toMatchObject({ version: 1, author: 'kb.admin' })
    // The next message after the publish call returns gets the new answer (how long a publish takes
    // is measured by `npm run bench`, not here).
    const after = await chat(app, 'kb-after', '心内科在几楼')
    stop.abort()
    await loop
    expect(after.reply).toContain('9楼')
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.every((s) => s === 200)).toBe(true)
    // A floor is stored once: the English answer moved with the Chinese one.
    expect((await chat(app, 'kb-after-en', 'Where is cardiology?')).reply).toContain('Outpatient Building 9F')

    const rolled = await send('POST', '/api/admin/knowledge/rollback', { version: 1 })
    expect(rolled.statusCode).toBe(200)
    expect((await chat(app, 'kb-rolled', '心内科在几楼')).reply).toContain('9楼')
  })

  it('rolls back to the version before the change', async () => {
    // Version 1 moved 心内科 to 9楼; restoring 2楼 is publishing the files' state again: edit + publish,
    // then roll back to version 1 and forward to the newest.
    const edited = await places()
    edited.find((p) => p.id === 'cardiology')!.floor = 2
    await send('PUT', '/api/admin/knowledge/draft/places', { value: edited })
    const v = (await send('POST', '/api/admin/knowledge/publish', {})).json().version
    expect((await chat(app, 'kb-v', '心内科在几楼')).reply).toContain('2楼')
    await send('POST', '/api/admin/knowledge/rollback', { version: 1 })
    expect((await chat(app, 'kb-rb1', '心内科在几楼')).reply).toContain('9楼')
    await send('POST', '/api/admin/knowledge/rollback', { version: v })
    expect((await chat(app, 'kb-rb2', '心内科在几楼')).reply).toContain('2楼')
    const versions = (await get('/api/admin/knowledge/versions')).json().versions
    expect(versions.map((x: { note: string }) => x.note)).toEqual([
      '心内科搬到9楼',
      'rollback to version 1',
      'publish',
      'rollback to version 1',
      `rollback to version ${v}`,
    ])
  })

  it('rejects invalid edits with field errors a person can act on', async () => {
    const bad = await places()
    bad.find((p) => p.id === 'cardiology')!.building = '门诊大厦'
    const res = await send('PUT', '/api/admin/knowledge/draft/places', { value: bad })
    expect(res.statusCode).toBe(422)
    expect(res.json().error.code).toBe('ND_KNOWLEDGE_INVALID')
    expect(res.json().error.details).toContain(
      'places[7] (cardiology).building: unknown building "门诊大厦" (known: 门诊楼, 医技楼, 住院楼, 急诊楼)',
    )

    const written = await places()
    written.find((p) => p.id === 'cardiology')!.floor = '九楼'
    expect(
      (await send('PUT', '/api/admin/knowledge/draft/places', { value: written })).json().error.details,
    ).toContain(
      'places[7] (cardiology).floor: "九楼" is not a floor: write a number (4), a basement (B1) or a range (3-12)',
    )

    const source = (await get('/api/admin/knowledge')).json().draft.source
    const hours = structuredClone(source.rawSchedules)
    hours.night_clinic.rules[0].from = '晚上6点'
    expect(
      (await send('PUT', '/api/admin/knowledge/draft/rawSchedules', { value: hours })).json().error
        .details[0],
    ).toMatch(/malformed time "晚上6点"/)
    const intents = structuredClone(source.intents) as Array<{ id: string; examples: string[] }>
    intents.find((i) => i.id === 'wifi')!.examples.push('心内科在几楼')
    expect(
      (await send('PUT', '/api/admin/knowledge/draft/intents', { value: intents })).json().error.details,
    ).toContain('intents.wifi.examples: "心内科在几楼" is also an example of place_location')
    const templates = structuredClone(source.templates)
    templates.intents.parking = ''
    expect(
      (await send('PUT', '/api/admin/knowledge/draft/templates', { value: templates })).json().error.details,
    ).toEqual(['answers.intents.parking: empty answer'])
    expect((await send('PUT', '/api/admin/knowledge/draft/places', { value: 'not a list' })).statusCode).toBe(
      422,
    )
    expect((await send('PUT', '/api/admin/knowledge/draft/nonsense', { value: [] })).statusCode).toBe(400)

    const audit = (await get('/api/admin/audit')).json().entries.map((e: { action: string }) => e.action)
    expect(audit).toContain('edit-rejected')
    expect(audit).toContain('publish')
    expect(audit).toContain('rollback')
  })

  it('keeps the published version across a restart, and agents cannot edit knowledge', async () => {
    await app.close()
    app = await buildApp(config, { logger: false })
    await app.ready()
    expect(app.knowledgeVersion()).toBe(5)
    expect((await chat(app, 'kb-restart', '心内科在几楼')).reply).toContain('2楼')
    const token = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'kb.admin', password: 'knowledge-2026' },
      })
    ).json().token
    auth = { authorization: `Bearer ${token}` }
    await app.inject({
      method: 'POST',
      url: '/api/admin/agents',
      headers: auth,
      payload: { username: 'kb.agent', password: 'agent-2026-x', role: 'agent' },
    })
    const agentToken = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'kb.agent', password: 'agent-2026-x' },
      })
    ).json().token
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/admin/knowledge',
          headers: { authorization: `Bearer ${agentToken}` },
        })
      ).statusCode,
    ).toBe(403)
  })
})

describe('unanswered questions', () => {
  it('collects what the bot could not answer, masked and grouped, and adds one as an example in one click', async () => {
    await chat(app, 'un-1', '医院食堂几点开饭，我叫张小明电话13812345678')
    await chat(app, 'un-2', '医院食堂几点开饭呀')
    await chat(app, 'un-3', '牙疼吃什么药')
    const groups = (await get('/api/admin/unanswered')).json().groups as Array<{
      text: string
      count: number
      examples: string[]
    }>
    const canteen = groups.find((g) => g.text.includes('食堂'))!
    expect(canteen.count).toBe(2)
    expect(JSON.stringify(groups)).not.toContain('13812345678')
    expect(JSON.stringify(groups)).toContain('138****5678')
    expect(groups.some((g) => g.text.includes('吃什么药'))).toBe(false)

    const added = await send('POST', '/api/admin/unanswered/add-example', {
      text: '医院食堂几点开饭',
      intent: 'canteen',
      answer: '职工食堂不对外开放，医院周边有便利店。',
    })
    expect(added.statusCode).toBe(200)
    const tried = (await send('POST', '/api/admin/knowledge/draft/try', { text: '食堂几点开饭' })).json()
    expect(tried.draft).toMatchObject({ action: 'answer', intent: 'canteen' })
    expect(tried.live.action).not.toBe('answer')
    const missing = await send('POST', '/api/admin/unanswered/add-example', {
      text: '食堂在哪',
      intent: 'no_such_intent',
    })
    expect(missing.statusCode).toBe(422)
    expect(missing.json().error.details[0]).toMatch(/give "answer"/)
    await app.inject({ method: 'DELETE', url: '/api/admin/knowledge/draft', headers: auth })
  })
})

describe('import and export', () => {
  it('exports the same YAML files as knowledge/ and intents/, and imports them back without a change', async () => {
    const files = (await get('/api/admin/knowledge/export')).json().files as Record<string, string>
    expect(Object.keys(files)).toContain('knowledge/places.yaml')
    expect(Object.keys(files)).toContain('intents/zh/parking.yaml')
    expect(files['knowledge/places.yaml']).toContain('心血管内科')
    const back = await send('POST', '/api/admin/knowledge/import', { files })
    expect(back.statusCode).toBe(200)
    expect(back.json().changes).toEqual([])
    const broken = await send('POST', '/api/admin/knowledge/import', {
      files: { ...files, 'knowledge/places.yaml': 'places: [' },
    })
    expect(broken.statusCode).toBe(422)
    expect(broken.json().error.details[0]).toMatch(/^knowledge\/places.yaml:/)
  })

  it('round-trips a CSV table an admin edited in Excel', async () => {
    const res = await get('/api/admin/knowledge/export/places')
    expect(res.headers['content-type']).toContain('text/csv')
    expect(res.body.startsWith('\ufeffid,name,kind,building,floor')).toBe(true)
    const edited = res.body.replace(/^(cardiology,心血管内科,department,门诊楼,)\d+/m, '$14')
    const put = await app.inject({
      method: 'PUT',
      url: '/api/admin/knowledge/import/places',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: edited,
    })
    expect(put.statusCode).toBe(200)
    expect(put.json().changes).toEqual(['places[7].floor: 2 → 4'])
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/admin/knowledge/import/places',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'a,b\n1,2',
    })
    expect(bad.statusCode).toBe(422)
    expect(bad.json().error.details[0]).toMatch(/first row must be/)
    const examples = (await get('/api/admin/knowledge/export/intents')).body
    expect(examples).toContain('parking,停车怎么收费')
    await app.inject({ method: 'DELETE', url: '/api/admin/knowledge/draft', headers: auth })
  })
})
