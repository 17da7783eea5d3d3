const DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 }

/** "5", "5分", "４星", "五分" → 5; anything else is not a rating. */
export function parseRating(text: string): number | undefined {
  const m = /^\s*([1-5一二两三四五])\s*(?:分|星|颗星)?\s*[!！.。]?\s*$/u.exec(text.normalize('NFKC'))
  if (!m) return undefined
  return DIGITS[m[1]!] ?? Number(m[1])
}
