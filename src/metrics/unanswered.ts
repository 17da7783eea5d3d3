import { maskPii } from '../privacy/mask.js'
import type { Stores } from '../storage/types.js'

export interface UnansweredGroup {
  text: string
  count: number
  examples: string[]
  lastAt: string
  outcome: string
  guess: string | null
}

const bigrams = (s: string) => {
  const chars = [...s.replace(/[\s\p{P}]/gu, '')]
  const out = new Set<string>()
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!)
  if (chars.length === 1) out.add(chars[0]!)
  return out
}
// Overlap coefficient: "医院食堂几点开饭" and the same question with a name and phone added are one group.
const similarity = (a: Set<string>, b: Set<string>) => {
  let inter = 0
  for (const x of a) if (b.has(x)) inter++
  return inter / (Math.min(a.size, b.size) || 1)
}

/**
 * What patients asked that the bot could not answer: messages answered with a fallback or a clarify,
 * or handed off because the bot kept failing. Personal data is masked (privacy/mask.ts); questions that
 * share most of the shorter one's character pairs are one group, counted, most frequent first.
 */
export async function unansweredQuestions(
  stores: Stores,
  range: { from: Date; to: Date },
  threshold = 0.7,
): Promise<UnansweredGroup[]> {
  const groups: Array<UnansweredGroup & { grams: Set<string> }> = []
  for (const sessionId of await stores.transcripts.sessionIds()) {
    const entries = await stores.transcripts.list(sessionId)
    entries.forEach((e, i) => {
      const reply = entries[i + 1]
      if (e.role !== 'patient' || !reply || reply.role !== 'bot') return
      const at = new Date(e.at)
      if (at < range.from || at >= range.to) return
      const failed =
        reply.action === 'fallback' || reply.action === 'clarify' || reply.reason === 'repeated_failure'
      // Medical questions and chit-chat are handled as intended; they are not gaps in the knowledge.
      if (
        !failed ||
        reply.intent === 'medical_question' ||
        reply.intent === 'greeting' ||
        reply.intent === 'thanks_goodbye'
      ) {
        return
      }
      const text = maskPii(e.text).slice(0, 300)
      const grams = bigrams(text)
      const home = groups.find((g) => similarity(g.grams, grams) >= threshold)
      if (home) {
        home.count++
        if (home.examples.length < 5 && !home.examples.includes(text)) home.examples.push(text)
        if (e.at > home.lastAt) home.lastAt = e.at
      } else {
        groups.push({
          text,
          count: 1,
          examples: [text],
          lastAt: e.at,
          outcome: reply.reason === 'repeated_failure' ? 'handoff' : (reply.action ?? 'fallback'),
          guess: e.intent ?? null,
          grams,
        })
      }
    })
  }
  return groups
    .sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt))
    .map(({ grams: _g, ...g }) => g)
}
