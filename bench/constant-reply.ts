import type { ChatResponse } from '../src/schemas/chat.js'

/** A typical reply's size and shape, answered without the bot: the bench's ceilings. */
export const CONSTANT_REPLY: ChatResponse = {
  reply: '心血管内科在门诊楼2楼。',
  action: 'answer',
  intent: 'place_location',
  confidence: 0.994,
  handoff: null,
  suggestions: ['心内科几点开？'],
  lang: 'zh',
  sessionToken: 'FEiZacyFltJsC9r7Wl4ScJmDVjAxkkkgL77FpHpLIqU',
}
