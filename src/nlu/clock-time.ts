/**
 * The clock time a message names, in minutes after midnight: "明天早上8点", "上午九点半", "8:30",
 * "下午2点一刻", "at 8am", "7.30 pm". Undefined when it names none (or an impossible one).
 */
const ZH_DIGITS: Record<string, number> = {
  零: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
}

function zhNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s)
  if (s === '十') return 10
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(s)
  if (m) return (m[1] ? ZH_DIGITS[m[1]]! : 1) * 10 + (m[2] ? ZH_DIGITS[m[2]]! : 0)
  return s.length === 1 ? ZH_DIGITS[s] : undefined
}

const ZH_TIME =
  /(凌晨|早上|早晨|清早|上午|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:点|點|:|：)\s*(半|一刻|三刻|\d{1,2}|[一二三四五六七八九十]{1,3})?\s*分?/u
const EN_TIME = /\b(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)/i
const EN_CLOCK = /\b(\d{1,2}):(\d{2})\b/

export function clockTime(text: string): number | undefined {
  const zh = ZH_TIME.exec(text)
  if (zh) {
    let hour = zhNumber(zh[2]!)
    const part = zh[3]
    const minute =
      part === '半' ? 30 : part === '一刻' ? 15 : part === '三刻' ? 45 : part ? zhNumber(part) : 0
    if (hour === undefined || minute === undefined) return undefined
    if (['下午', '傍晚', '晚上'].includes(zh[1] ?? '') && hour < 12) hour += 12
    if (zh[1] === '中午' && hour < 6) hour += 12
    return valid(hour, minute)
  }
  const en = EN_TIME.exec(text)
  if (en) {
    let hour = Number(en[1])
    if (/^p/i.test(en[3]!) && hour < 12) hour += 12
    if (/^a/i.test(en[3]!) && hour === 12) hour = 0
    return valid(hour, Number(en[2] ?? 0))
  }
  const clock = EN_CLOCK.exec(text)
  return clock ? valid(Number(clock[1]), Number(clock[2])) : undefined
}

const valid = (hour: number, minute: number) =>
  hour >= 0 && hour < 24 && minute >= 0 && minute < 60 ? hour * 60 + minute : undefined
