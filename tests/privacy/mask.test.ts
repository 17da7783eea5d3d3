import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { readKnowledgeSource } from '../../src/knowledge-base/load.js'
import { maskPii, maskUrl, maskUsername } from '../../src/privacy/mask.js'

// Property tests: each kind of personal data is generated in many written forms and contexts, and
// the masked text must not hold it. (Issue 17: full-width digits, +86 numbers, spaced ID numbers,
// "我是王小明", addresses and e-mail addresses showed unmasked in the admins' unanswered list.)
const RUNS = { numRuns: 400, seed: 17 }

const digit = fc.constantFrom(...'0123456789')
const digitsOf = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join(''))
const fullWidth = (s: string) =>
  s.replace(/[0-9+\-xX ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)))
/** The digits a text still shows, however they are written. */
const shown = (s: string) => s.normalize('NFKC').replace(/[\s.\-()+]/g, '')

const groups = (s: string, sizes: number[], sep: string) => {
  const out: string[] = []
  let at = 0
  for (const n of sizes) {
    out.push(s.slice(at, at + n))
    at += n
  }
  if (at < s.length) out.push(s.slice(at))
  return out.filter(Boolean).join(sep)
}

const before = fc.constantFrom('', '我的电话是', '回电', '手机：', '请打 ', 'call me on ', '家属电话')
const after = fc.constantFrom('', '，谢谢', '。', ' 找王护士', '！', ' thanks')

describe('mobile numbers', () => {
  const mobile = fc
    .tuple(fc.constantFrom(...'3456789'), digitsOf(9))
    .map(([second, rest]) => `1${second}${rest}`)
  const written = fc.tuple(
    mobile,
    fc.constantFrom<(d: string) => string>(
      (d) => d,
      (d) => groups(d, [3, 4, 4], ' '),
      (d) => groups(d, [3, 4, 4], '-'),
      (d) => groups(d, [3, 4, 4], '.'),
      (d) => d.split('').join(' '),
      (d) => fullWidth(d),
      (d) => fullWidth(groups(d, [3, 4, 4], ' ')),
    ),
    fc.constantFrom('', '+86', '+86 ', '+86-', '0086', '0086 ', '(+86)', '(86) ', '+８６ '),
  )

  it('never shows the whole number, in any form, and shows 3 + 4 digits of it', () => {
    fc.assert(
      fc.property(written, before, after, ([d, form, code], head, tail) => {
        const masked = maskPii(`${head}${code}${form(d)}${tail}`)
        expect(shown(masked)).not.toContain(d)
        expect(masked).toContain(`${d.slice(0, 3)}****${d.slice(-4)}`)
      }),
      RUNS,
    )
  })
})

describe('landlines', () => {
  it('masks a number with its area code, written with or without +86', () => {
    const landline = fc.tuple(
      fc.constantFrom('10', '21', '571', '755', '20'),
      fc.constantFrom(...'2345678'),
      digitsOf(7),
      fc.constantFrom('0', '+86 ', '0086-'),
      fc.constantFrom('-', ' ', ''),
    )
    fc.assert(
      fc.property(landline, before, after, ([area, first, rest, code, sep], head, tail) => {
        const local = `${first}${rest}`
        const masked = maskPii(`${head}${code}${area}${sep}${local}${tail}`)
        expect(shown(masked)).not.toContain(local)
        // Without a separator 0102… could be area 10 or 102: either way only the last four show.
        expect(masked).toMatch(new RegExp(`-\\*{3,4}${local.slice(-4)}`))
      }),
      RUNS,
    )
  })
})

describe('ID card numbers', () => {
  const id = fc
    .tuple(
      fc.constantFrom(...'123456'),
      digitsOf(5),
      fc.integer({ min: 1930, max: 2025 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      digitsOf(3),
      fc.constantFrom(...'0123456789Xx'),
    )
    .map(
      ([a, area, y, m, d, seq, check]) =>
        `${a}${area}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}${check}`,
    )
  const written = fc.tuple(
    id,
    fc.constantFrom<(d: string) => string>(
      (d) => d,
      (d) => groups(d, [6, 8, 4], ' '),
      (d) => groups(d, [4, 4, 4, 4, 2], ' '),
      (d) => groups(d, [6, 8, 4], '-'),
      (d) => d.split('').join(' '),
      (d) => fullWidth(d),
      (d) => fullWidth(groups(d, [6, 8, 4], ' ')),
    ),
  )

  it('never shows the date of birth or the sequence, spaced, full-width or ending in x', () => {
    fc.assert(
      fc.property(
        written,
        fc.constantFrom('', '身份证', '身份证号：', 'ID '),
        after,
        ([d, form], head, tail) => {
          const masked = maskPii(`${head}${form(d)}${tail}`)
          expect(shown(masked)).not.toContain(d.slice(6, 14))
          expect(masked).toContain(`${d.slice(0, 4)}${'*'.repeat(13)}${d.slice(-1)}`)
        },
      ),
      RUNS,
    )
  })
})

describe('names', () => {
  const surname = fc.constantFrom(...'王李张刘陈杨黄赵吴周徐孙马朱胡郭林罗郑梁谢宋')
  const given = fc
    .array(fc.constantFrom(...'小明华丽强伟芳娜敏静秀英军红建国玉兰'), { minLength: 1, maxLength: 2 })
    .map((c) => c.join(''))

  it('masks the given name after 我是 / 我叫 / 我姓 / 姓名, keeping the surname', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('我是', '我叫', '我就是', '本人是', '姓名：', '我叫 '),
        surname,
        given,
        fc.constantFrom('', '，', '。', ' ', '，想问一下挂号', '我想问', '的家属', '呀'),
        (intro, sur, name, tail) => {
          const masked = maskPii(`您好，${intro}${sur}${name}${tail}`)
          expect(masked).not.toContain(`${sur}${name}`)
          expect(masked).toContain(`${sur}${'*'.repeat(name.length)}`)
        },
      ),
      RUNS,
    )
  })

  it('leaves "我是" followed by what is not a name alone', () => {
    for (const text of [
      '我是来看病的',
      '我是高血压患者',
      '我是第一次来',
      '我是外地的',
      '我是医保患者吗',
      '网络名字是什么',
    ]) {
      expect(maskPii(text)).toBe(text)
    }
  })
})

describe('addresses', () => {
  const num = fc.integer({ min: 1, max: 999 }).map(String)
  const road = fc.constantFrom('建国', '中山', '解放', '人民', '文三')
  const estate = fc.constantFrom('幸福小区', '阳光花园', '翠苑', '金色家园', '和平新村')

  it('masks a whole address told after 住在 / 家住 / 地址 / 寄到', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('我住在', '家住', '地址：', '寄到', '我家在'),
        fc.constantFrom('', '朝阳区', '西湖区'),
        road,
        fc.constantFrom('路', '街', '大道'),
        num,
        fc.option(estate, { nil: '' }),
        fc.tuple(num, num, num),
        fc.constantFrom('', '，想问怎么来医院', '。'),
        (lead, district, r, kind, n, e, [a, b, c], tail) => {
          const masked = maskPii(`${lead}${district}${r}${kind}${n}号${e}${a}栋${b}单元${c}室${tail}`)
          expect(masked).not.toMatch(/\d/)
          expect(masked).not.toContain(r)
          if (e) expect(masked).not.toContain(e)
          expect(masked).toContain(lead)
        },
      ),
      RUNS,
    )
  })

  it('masks the numbers of an address told without a lead-in', () => {
    fc.assert(
      fc.property(road, num, estate, fc.tuple(num, num, num), (r, n, e, [a, b, c]) => {
        expect(maskPii(`快递送${r}路${n}号可以吗`)).not.toMatch(/\d/)
        expect(maskPii(`${e}${a}栋${b}单元${c}室的老人`)).not.toMatch(/\d/)
        expect(maskPii(`${a}号楼${b}单元${c}室`)).not.toMatch(/\d/)
      }),
      RUNS,
    )
  })
})

describe('e-mail addresses', () => {
  it('masks the part before @', () => {
    const local = fc
      .tuple(
        fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
        fc.stringMatching(/^[a-z0-9._]{1,15}$/),
      )
      .map(([a, b]) => a + b)
    fc.assert(
      fc.property(
        local,
        fc.constantFrom('qq.com', '163.com', 'hospital.example.cn'),
        before,
        after,
        (l, d, h, t) => {
          const masked = maskPii(`${h}${l}@${d}${t}`)
          expect(masked).not.toContain(`${l}@`)
          expect(masked).toContain(`${l[0]}${'*'.repeat(l.length - 1)}@${d}`)
        },
      ),
      RUNS,
    )
  })
})

describe('what is not personal data', () => {
  it('leaves every shipped training question as it is (times, floors, buildings, fees)', () => {
    const config = loadConfig({})
    const source = readKnowledgeSource(config.knowledgeDir, config.intentsDir)
    const all = [source.intents, ...Object.values(source.languages ?? {}).map((l) => l.intents)]
      .flat()
      .flatMap((i) => i.examples)
    expect(all.length).toBeGreaterThan(3000)
    expect(all.filter((e) => maskPii(e) !== e)).toEqual([])
    for (const text of [
      '3号楼在哪',
      '门诊楼2楼',
      '住院部在哪',
      '2026年1月1日8点开门吗',
      'CT室在几楼',
      '120',
    ]) {
      expect(maskPii(text)).toBe(text)
    }
  })
})

describe('log fields', () => {
  it('masks usernames and URLs (query values dropped, the path masked like text)', () => {
    expect(maskUsername('chief.nurse')).toBe('ch***')
    expect(maskUsername('ab')).toBe('**')
    expect(maskUrl('/api/chat/13812345678/history?token=secret&after=2')).toBe(
      '/api/chat/138****5678/history?token=*&after=*',
    )
    expect(maskUrl('/%E6%88%91%E5%8F%AB%E7%8E%8B%E5%B0%8F%E6%98%8E')).toBe('/我叫王**')
  })
})
