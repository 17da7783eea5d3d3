import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KnowledgeError } from '../../src/knowledge-base/errors.js'
import { loadKnowledgeBase } from '../../src/knowledge-base/load.js'
import { intentsDir, knowledgeDir } from '../nlu-fixture.js'
import { tempDir } from '../helpers.js'

function editedCopy(file: string, edit: (text: string) => string): string {
  const dir = tempDir('nd-kb-')
  cpSync(knowledgeDir, dir, { recursive: true })
  const p = path.join(dir, file)
  writeFileSync(p, edit(readFileSync(p, 'utf8')))
  return dir
}

function problems(dir: string, intents = intentsDir): string[] {
  try {
    loadKnowledgeBase(dir, intents)
    return []
  } catch (e) {
    return e instanceof KnowledgeError ? e.problems : [String(e)]
  }
}

describe('knowledge base', () => {
  it('loads the demo hospital with every intent at 20+ examples', () => {
    const kb = loadKnowledgeBase(knowledgeDir, intentsDir)
    expect(kb.places.get('cardiology')).toMatchObject({ name: '心血管内科', building: '门诊楼', floor: 2 })
    expect(kb.exams.get('gastroscopy')?.preparation).toContain('检查前禁食8小时、禁水2小时')
    for (const intent of kb.intents) expect(intent.examples.length, intent.id).toBeGreaterThanOrEqual(20)
  })

  it('rejects edits with errors that name the field', () => {
    expect(
      problems(
        editedCopy('places.yaml', (t) =>
          t.replace(
            'building: 门诊楼, floor: 2, hours: outpatient, aliases: [心内科',
            'building: 门诊大厦, floor: 2, hours: outpatient, aliases: [心内科',
          ),
        ),
      ),
    ).toContain(
      'places[7] (cardiology).building: unknown building "门诊大厦" (known: 门诊楼, 医技楼, 住院楼, 急诊楼)',
    )
    expect(
      problems(
        editedCopy('schedules.yaml', (t) =>
          t.replace('from: "18:00", to: "21:00"', 'from: "晚上6点", to: "21:00"'),
        ),
      ),
    ).toEqual([expect.stringContaining('schedules.night_clinic.rules[0]: malformed time "晚上6点"')])
    expect(
      problems(editedCopy('answers.yaml', (t) => t.replace('{{hospital.wifi}}', '{{hospital.wlan}}'))),
    ).toEqual(['answers.intents.wifi: {{hospital.wlan}} is not a known fact'])
    expect(
      problems(editedCopy('answers.yaml', (t) => t.replace(/ {2}caregiver: ".*"/, '  caregiver: ""'))),
    ).toEqual(['answers.intents.caregiver: empty answer'])
    expect(
      problems(
        editedCopy('exams.yaml', (t) =>
          t.replace(
            'place: endoscopy\n    # The same numbers',
            'place: endoscopy_room\n    # The same numbers',
          ),
        ),
      ),
    ).toEqual(['exams.gastroscopy.place: unknown place "endoscopy_room"'])
    expect(
      problems(
        editedCopy('exams.yaml', (t) =>
          t.replace('foodHours: 8, waterHours: 2', 'foodHours: 8, waterHours: 30'),
        ),
      ),
    ).toEqual(['exams.gastroscopy.fasting: foodHours and waterHours are hours between 0 and 24'])
    expect(
      problems(editedCopy('answers.yaml', (t) => t.replace(/ {2}money: .*/, "  money: '\\d+(元'"))),
    ).toEqual([expect.stringContaining('calendar.money: not a valid regular expression')])
  })

  it('rejects the same example in two intents', () => {
    const intents = tempDir('nd-intents-')
    cpSync(intentsDir, intents, { recursive: true })
    const p = path.join(intents, 'zh', 'wifi.yaml')
    writeFileSync(p, readFileSync(p, 'utf8') + '  - 心内科在几楼\n')
    expect(problems(knowledgeDir, intents)).toContain(
      'intents.wifi.examples: "心内科在几楼" is also an example of place_location',
    )
  })
})
