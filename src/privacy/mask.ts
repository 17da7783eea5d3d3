/**
 * Personal data inside free text (PIPL), masked the one way everywhere: logs, the admins' list of
 * unanswered questions, and what Redis stores. Patients write numbers every way a keyboard allows
 * (full-width １３８…, spaced 138 0013 8000, +86 / 0086 in front, ID numbers in groups ending in x),
 * so digits are read through those forms; a mask keeps enough to tell two apart (138****8000,
 * 1101*************X, 王**) and nothing that identifies the person.
 */

// Full-width digits, plus, hyphen, space and X (an IME's full-width mode) read as their ASCII forms.
const FULL_WIDTH = /[\uff10-\uff19\uff0b\uff0d\u3000\uff38\uff58]/g
const halfWidth = (s: string) =>
  s.replace(FULL_WIDTH, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)))

// Between two digits of one number: nothing, or one space, hyphen or dot (138 0013 8000, 138-0013-8000).
const SEP = '[ \\t.\\-]?'
const digits = (n: number, first = '\\d') => `${first}(?:${SEP}\\d){${n - 1}}`
const COUNTRY = `(?:\\+|00)${SEP}86${SEP}|\\(\\+?86\\)${SEP}`
// No digit (or a digit after a separator) right before or after: part of a longer number is not one.
const BEFORE = `(?<![\\d\\w]|\\d${SEP})`
const AFTER = `(?!${SEP}\\d)`

// Phones first: "0086 138…" and "0086-755-2000…" are phones, not 15-digit ID numbers.
const MOBILE = new RegExp(`${BEFORE}(${COUNTRY})?(1${SEP}[3-9](?:${SEP}\\d){9})${AFTER}`, 'g')
const ID_CARD = new RegExp(`${BEFORE}(?:${digits(17)}${SEP}[\\dXx]|${digits(15)})${AFTER}(?![Xx\\w])`, 'g')
// Landlines with their area code: 010-12345678, 0571 8765 4321, +86 10 1234 5678.
const LANDLINE = new RegExp(
  `${BEFORE}(${COUNTRY}|0)([1-9]\\d{1,2})[ \\t\\-]?(\\d{3,4}${SEP}\\d{4})${AFTER}`,
  'g',
)
const country = (c: string | undefined) => (c ? `${c.replace(/[ \t.-]+/g, '')} ` : '')
const onlyDigits = (s: string) => s.replace(/[^\dXx]/g, '')

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈' +
  '姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤' +
  '欧阳司上官诸葛'
// After "我叫/我姓/姓名" whatever follows is a name. After "我是" it is one only when it starts with a
// common surname and ends where a name ends (a mark, a space, 我/的/想…): "我是王小明，" and
// "我是李医生的家属" are names, "我是来看病的" and "我是高血压患者" are not.
const NAME_INTRO =
  /(我叫|我姓|姓名[:：]?|名字叫|名字是|本人叫)\s*(?!什么|啥|多少|哪|\p{sc=Han}{0,4}(?:医院|中心|大学|公司))(\p{sc=Han})(\p{sc=Han}{0,2})/gu
// "医院地址在哪条路", "地址是多少号": a question about an address, not one.
const ASKED = /哪|多少|什么|啥|那条|那个|几号/
const NAME_IS = new RegExp(
  `(我是|我就是|本人是)\\s*([${SURNAMES}])(\\p{sc=Han}{1,2}?)(?=$|[\\s\\p{P}]|[我的想要在啊呀哦吗呢，])`,
  'gu',
)
const NAME_INTRO_EN =
  /\b(my name is|my name's|i am called|patient name:?|patient:)(\s+)([a-z])([a-z'-]*(?:\s+[a-z][a-z'-]*)?)/gi

// Medical record, inpatient, outpatient and visit-card numbers after the word that names them.
const RECORD_LABELS = [
  '病历号',
  '病案号',
  '住院号',
  '门诊号',
  '就诊卡号',
  '就诊号',
  '医保卡号',
  '(?:medical )?record (?:number|no\\.?)',
  'mrn',
  'patient id',
  'hospital number',
]
const RECORD_NUMBER = new RegExp(
  `(${RECORD_LABELS.join('|')})([\\s:：#是为]*)([a-z0-9-]{2})([a-z0-9-]{2,})`,
  'gi',
)

// A home address. After 住在/家在/地址/寄到… everything up to the next mark is one when it holds an
// address word (路, 号, 小区, 栋, 室…): "我住在朝阳区建国路88号" keeps 我住在. Elsewhere the numbers
// that make an address a person's are masked (建国路**号, 幸福小区*栋*单元***室); a hospital place
// ("3号楼", "门诊楼2楼", "住院部") is not an address.
const ADDRESS_AFTER_LEAD =
  /(住在|家住|家在|现住|住址[是为:：]?|地址[是为:：]?|寄到|送到)(\s*)([^\s，。,.!?！？；;、]{2,40})/gu
const ADDRESS_WORD = /路|街|道|巷|弄|胡同|号|小区|花园|公寓|家园|新村|苑|大厦|社区|村|栋|幢|单元|室|区|县|镇/
const PLACE_PARTS = '(?:\\d+(?:号楼|号院|栋|幢|座|单元|室|层|号|楼)|-\\d+)'
const ADDRESS_NUMBERS = new RegExp(
  [
    `(?<=路|街|大道|大街|巷|胡同)\\d+(?:弄|号|号院)${PLACE_PARTS}*`,
    `(?<=小区|花园|公寓|家园|新村|苑|大厦|社区)${PLACE_PARTS}+`,
    `\\d+(?:栋|幢|号楼)(?:\\d+单元)?\\d+(?:室|号)|\\d+(?:栋|幢)\\d+单元`,
  ].join('|'),
  'gu',
)

const EMAIL = /([A-Za-z0-9._%+-])([A-Za-z0-9._%+-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g

const stars = (n: number) => '*'.repeat(Math.max(1, n))

/** The text with phone, ID, record numbers, names, addresses and e-mail addresses masked. */
export function maskPii(text: string): string {
  return halfWidth(text)
    .replace(
      EMAIL,
      (_m, first: string, rest: string, domain: string) => `${first}${stars(rest.length)}@${domain}`,
    )
    .replace(MOBILE, (_m, code: string | undefined, number: string) => {
      const d = onlyDigits(number)
      return `${country(code)}${d.slice(0, 3)}****${d.slice(-4)}`
    })
    .replace(LANDLINE, (_m, code: string, area: string, local: string) => {
      const d = onlyDigits(local)
      return `${code === '0' ? '0' : country(code)}${area}-${stars(d.length - 4)}${d.slice(-4)}`
    })
    .replace(ID_CARD, (m: string) => {
      const d = onlyDigits(m)
      return `${d.slice(0, 4)}${stars(d.length - 5)}${d.slice(-1)}`
    })
    .replace(ADDRESS_AFTER_LEAD, (m: string, lead: string, gap: string, place: string) =>
      ADDRESS_WORD.test(place) && !ASKED.test(place) ? `${lead}${gap}${stars([...place].length)}` : m,
    )
    .replace(ADDRESS_NUMBERS, (m: string) => m.replace(/\d+/g, (d) => stars(d.length)))
    .replace(
      NAME_INTRO,
      (_m, intro: string, first: string, rest: string) => `${intro}${first}${stars(rest.length)}`,
    )
    .replace(
      NAME_IS,
      (_m, intro: string, first: string, rest: string) => `${intro}${first}${stars(rest.length)}`,
    )
    .replace(
      RECORD_NUMBER,
      (_m, label: string, gap: string, head: string, rest: string) =>
        `${label}${gap}${head}${stars(rest.length)}`,
    )
    .replace(
      NAME_INTRO_EN,
      (_m, intro: string, gap: string, first: string, rest: string) =>
        `${intro}${gap}${first}${rest.replace(/[^\s]/g, '*')}`,
    )
}

/** A staff username in a log line: enough to tell accounts apart, not to try one (ch***). */
export function maskUsername(username: string): string {
  const chars = [...username]
  return chars.length <= 2 ? stars(chars.length) : `${chars.slice(0, 2).join('')}***`
}

/**
 * A requested URL in a log line: query values (tokens, session ids) are dropped and the path is
 * masked like free text, since a mistyped or probing URL can carry anything.
 */
export function maskUrl(url: string): string {
  const q = url.indexOf('?')
  const pathPart = q < 0 ? url : url.slice(0, q)
  let decoded = pathPart
  try {
    decoded = decodeURIComponent(pathPart)
  } catch {
    // A malformed escape is logged as it came, masked all the same.
  }
  const query =
    q < 0
      ? ''
      : `?${url
          .slice(q + 1)
          .split('&')
          .map((pair) => `${pair.split('=')[0]}=*`)
          .join('&')}`
  return maskPii(decoded) + query
}

const OA_PREFIX = 'wechat-oa:'

/**
 * A WeChat openid (the patient's id on the hospital's official account) in a log line: its first
 * characters tell two apart in one night's logs, the rest is hidden. Idempotent: a masked id stays as it is.
 */
export function maskOpenId(openid: string): string {
  return openid.length <= 4 ? stars(openid.length) : `${openid.slice(0, 4)}***`
}

/** A conversation id in a log line: the official account's embed the patient's openid. */
export function maskSessionId(sessionId: string): string {
  return sessionId.startsWith(OA_PREFIX)
    ? OA_PREFIX + maskOpenId(sessionId.slice(OA_PREFIX.length))
    : sessionId
}
