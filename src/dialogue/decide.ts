import type { Analysis } from '../nlu/pipeline.js'
import type { Ranked } from '../nlu/classifier.js'
import type { Composer, Composed } from './compose.js'
import type { Decision, DialogueState, HandoffReason, HandoffRequest, Priority } from './types.js'
import type { ForeignReading } from '../nlu/reply-only.js'
import { clockTime } from '../nlu/clock-time.js'

export interface DecideOptions {
  fallbackThreshold: number
  ambiguityMargin: number
  negativeSentimentThreshold: number
}

const ENTITY_INTENTS = new Set(['place_location', 'place_hours', 'exam_preparation', 'report_time'])
const HANDOFF_INTENTS: Record<string, HandoffReason> = {
  request_human: 'human_requested',
  complaint: 'complaint',
}
const MEDICAL_INTENTS = new Set(['medical_question', 'department_guidance'])
/** Not failures: a greeting or a thank-you does not count towards handing off. */
const SOCIAL_INTENTS = new Set(['greeting', 'thanks_goodbye'])
const PRICE_INTENT = 'price_inquiry'
/** A runner-up this close to the fallback threshold (times it) is worth offering or answering. */
const NEAR = 0.6
const CLASSIFIER_HANDOFF_CONFIDENCE = 0.7
const NEAREST_MARGIN = 0.1
/** Cosine to an example above which the message is a rewording of it. */
const PARAPHRASE = 0.4
/** Above this the top intent is answered even when another one is close behind. */
const CLEAR_CONFIDENCE = 0.75

interface Context {
  analysis: Analysis
  state: DialogueState
  now: Date
  compose: Composer
  options: DecideOptions
  symptom?: string
}

/**
 * The dialogue decision, a pure function of the message's analysis, the conversation so far and the
 * clock. Safety first, then a conversation already with a person, then routing detectors, and only
 * then the classifier.
 */
export function decide(
  analysis: Analysis,
  state: DialogueState,
  now: Date,
  compose: Composer,
  options: DecideOptions,
  symptom?: string,
): Decision {
  const ctx: Context = { analysis, state, now, compose, options, ...(symptom ? { symptom } : {}) }
  if (analysis.foreign) return foreignReply(ctx, analysis.foreign)
  const safety = analysis.safety
  if (safety) {
    const key = safety.kind === 'self_harm' ? 'self_harm' : 'emergency'
    return handoff(ctx, 'emergency', 'urgent', compose.text('handoff', key), {
      category: safety.category,
      evidence: safety.evidence,
    })
  }
  if (state.handoff) {
    return {
      action: 'handoff',
      reply: compose.text('handoff', 'waiting', { ticketId: state.handoff.ticketId }),
      intent: null,
      confidence: 1,
      suggestions: [],
      state,
    }
  }
  // A complaint or an angry message that also asks for a person is queued as what it is (and its
  // priority), not as a plain request for a person.
  if (analysis.complaint) {
    const c = analysis.complaint
    return handoff(ctx, 'complaint', c.level >= 2 ? 'high' : 'normal', compose.text('handoff', 'complaint'), {
      category: c.category,
      level: c.level,
      evidence: c.evidence,
    })
  }
  if (analysis.sentiment <= options.negativeSentimentThreshold || analysis.distress !== undefined) {
    return handoff(
      ctx,
      'negative_sentiment',
      analysis.sentiment <= -0.8 ? 'high' : 'normal',
      compose.text('handoff', 'negative_sentiment'),
      { sentiment: Number(analysis.sentiment.toFixed(2)) },
    )
  }
  if (analysis.humanRequest) {
    return handoff(ctx, 'human_requested', 'normal', compose.text('handoff', 'human_requested'), {
      evidence: analysis.humanRequest,
    })
  }
  if (analysis.medical) {
    return medicalFallback(
      ctx,
      analysis.medical.kind === 'routing' ? 'department_guidance' : 'medical_question',
      analysis.medical.kind,
    )
  }
  return classify(ctx)
}

function classify(ctx: Context): Decision {
  const { analysis, options, compose } = ctx
  const [top] = analysis.ranked
  if (!top) return fail(ctx, 'unknown', null, 0)
  const followUp = carryOver(ctx)
  if (
    followUp &&
    (!ENTITY_INTENTS.has(followUp) ||
      analysis.followUp ||
      top.confidence < options.fallbackThreshold ||
      (top.intent === 'out_of_scope' && top.confidence < CLEAR_CONFIDENCE) ||
      [...analysis.remainder].length <= 1)
  ) {
    return answer(
      ctx,
      followUp,
      top.intent === followUp ? top.confidence : Math.max(top.confidence, options.fallbackThreshold),
    )
  }
  // A condition, body part or procedure with a question of where to go ("看牙去几楼", "产检在哪"): the
  // triage table names the department, whatever the classifier makes of the words around it.
  const e = analysis.entities
  if (
    analysis.asksWhere &&
    !e.place &&
    !e.exam &&
    !isConfidentlyElse(top) &&
    compose.triagePlace(ctx.symptom, analysis.normalised)
  ) {
    return answer(ctx, 'place_location', top.confidence)
  }
  // "晚上哪里可以拿药": a where-question naming a place, when the classifier is sure of nothing else.
  if (analysis.asksWhere && e.place && !e.exam && top.confidence < options.fallbackThreshold) {
    return answer(ctx, 'place_location', options.fallbackThreshold)
  }
  // Only a name ("眼科", "中药房", "医技楼"): where it is, the commonest thing asked about a place.
  if ((e.place || e.building) && !e.exam && !analysis.remainder && !e.times.length) {
    return answer(ctx, 'place_location', Math.max(top.confidence, options.fallbackThreshold))
  }
  // "食堂在哪": a place the knowledge does not hold is said so, with where to ask, not just "out of scope".
  if (top.intent === 'out_of_scope' && analysis.asksWhere && !e.place && analysis.unknownNouns().length) {
    return answer(ctx, 'place_location', top.confidence)
  }
  // A keyword intent about another subject ("帮我打电话给老王" is not the hospital's phone number).
  // Another hospital's departments and hours are not this one's either ("妇幼保健院的产科在几楼").
  const elsewhere = analysis.elsewhere
  if (
    elsewhere &&
    (top.intent === 'out_of_scope' ||
      elsewhere.intents.has(top.intent) ||
      (elsewhere.institution && ENTITY_INTENTS.has(top.intent)))
  ) {
    return fail(ctx, 'out_of_scope', 'out_of_scope', top.confidence)
  }
  if (top.confidence < options.fallbackThreshold) {
    const near = analysis.ranked.filter(
      (r) => isAnswerable(compose, r.intent) && r.confidence >= options.fallbackThreshold * NEAR,
    )
    if (near.length && !SOCIAL_INTENTS.has(top.intent)) {
      return clarify(
        ctx,
        near.slice(0, 3).map((r) => r.intent),
        top.confidence,
      )
    }
    return fail(ctx, 'unknown', null, top.confidence)
  }
  const handoffReason = HANDOFF_INTENTS[top.intent]
  if (handoffReason) {
    // The detectors catch the clear cases; the classifier alone hands off only when sure, and a
    // complaint only when the message also sounds unhappy.
    const sure =
      top.confidence >= CLASSIFIER_HANDOFF_CONFIDENCE &&
      (handoffReason !== 'complaint' || analysis.sentiment < 0)
    if (sure) {
      return handoff(ctx, handoffReason, 'normal', compose.text('handoff', handoffReason), {
        classifier: top.intent,
        confidence: Number(top.confidence.toFixed(2)),
      })
    }
    const next = analysis.ranked.find((r) => !HANDOFF_INTENTS[r.intent])
    return next && next.confidence >= options.fallbackThreshold && isAnswerable(compose, next.intent)
      ? answer(ctx, next.intent, next.confidence)
      : fail(ctx, 'unknown', null, top.confidence)
  }
  if (MEDICAL_INTENTS.has(top.intent)) {
    return medicalFallback(ctx, analysis.routing ? 'department_guidance' : 'medical_question', 'classifier')
  }
  // The price list is not in the knowledge, but some answers state a price (the parking fee, the
  // wheelchair deposit): "停车费多少钱" is answered by the one the classifier also considers.
  if (top.intent === PRICE_INTENT) {
    const priced = analysis.ranked.find(
      (r) => r !== top && r.confidence >= options.fallbackThreshold * NEAR && compose.statesPrice(r.intent),
    )
    if (priced) return answer(ctx, priced.intent, priced.confidence)
  }
  if (!isAnswerable(compose, top.intent)) return fail(ctx, top.intent, top.intent, top.confidence)
  const rivals = analysis.ranked.filter(
    (r) =>
      r !== top &&
      isAnswerable(compose, r.intent) &&
      !sameFamily(r.intent, top.intent) &&
      top.confidence - r.confidence < options.ambiguityMargin,
  )
  if (!rivals.length || top.confidence >= CLEAR_CONFIDENCE) {
    return answer(ctx, resolveFamily(top.intent, analysis), top.confidence)
  }
  // Near-tied intents: a near-paraphrase among one intent's examples settles it; else a place or exam
  // the message names supports the intent that answers about it; else ask.
  const tied = [top, ...rivals]
    .map((r) => ({ ...r, nearest: analysis.nearest(r.intent) }))
    .sort((a, b) => b.nearest - a.nearest)
  if (tied[0]!.nearest >= PARAPHRASE && tied[0]!.nearest - tied[1]!.nearest >= NEAREST_MARGIN) {
    return answer(ctx, resolveFamily(tied[0]!.intent, analysis), tied[0]!.confidence)
  }
  const aboutNamed = [top, ...rivals].find((r) => ENTITY_INTENTS.has(r.intent))
  if (aboutNamed && (analysis.entities.place || analysis.entities.exam)) {
    return answer(ctx, resolveFamily(aboutNamed.intent, analysis), aboutNamed.confidence)
  }
  return clarify(
    ctx,
    tied.slice(0, 3).map((r) => r.intent),
    top.confidence,
  )
}

/** The classifier is sure of an answerable intent other than a place or a department. */
function isConfidentlyElse(top: Ranked): boolean {
  return (
    top.confidence >= CLEAR_CONFIDENCE &&
    top.intent !== 'out_of_scope' &&
    !MEDICAL_INTENTS.has(top.intent) &&
    !ENTITY_INTENTS.has(top.intent)
  )
}

/**
 * Intents answered from the same facts: never ask which. Between opening hours and holiday hours the
 * time word decides (节假日 vs 周日).
 */
const FAMILIES = [new Set(['place_location', 'place_hours']), new Set(['place_hours', 'holiday_hours'])]
function sameFamily(a: string, b: string): boolean {
  return FAMILIES.some((f) => f.has(a) && f.has(b))
}

function resolveFamily(intent: string, analysis: Analysis): string {
  const holiday = analysis.entities.times.includes('holiday')
  if (intent === 'holiday_hours' && !holiday && analysis.ranked.some((r) => r.intent === 'place_hours')) {
    return 'place_hours'
  }
  if (intent === 'place_hours' && holiday && !analysis.entities.place) return 'holiday_hours'
  return intent
}

function isAnswerable(compose: Composer, intent: string): boolean {
  return ENTITY_INTENTS.has(intent) || compose.has('intents', intent)
}

/** What an entity intent is about is there: an exam for preparation and reports, else a place or an exam. */
function names(intent: string, about: { place?: unknown; exam?: unknown }): boolean {
  return intent === 'exam_preparation' || intent === 'report_time'
    ? !!about.exam
    : !!(about.place || about.exam)
}

/** "心内科在几楼" → "那神经内科呢": the previous question, asked about the newly named thing. */
function carryOver(ctx: Context): string | undefined {
  const { state, analysis } = ctx
  const last = state.lastIntent
  if (!last) return undefined
  const e = analysis.entities
  if (ENTITY_INTENTS.has(last)) {
    if (names(last, e) || (e.times.length && !e.mentions.length)) return last
    // "要饿多久" after "做胃镜要空腹吗", "几点关门" after "中药房在哪": a fragment naming nothing asks about
    // the same exam or place; the classifier's likeliest question about one says which.
    const top = analysis.ranked[0]
    const weak = !top || top.confidence < CLEAR_CONFIDENCE
    if (e.mentions.length || !analysis.short || !weak) return undefined
    return analysis.ranked.find((r) => ENTITY_INTENTS.has(r.intent) && names(r.intent, state))?.intent ?? last
  }
  if (!ctx.compose.has('intents', last)) return undefined
  const top = analysis.ranked[0]
  // "电话呢" after the address asks for the phone: a follow-up word keeps the topic only when the
  // classifier is not sure of another one it can answer.
  const surelyOther =
    !!top &&
    top.intent !== last &&
    top.confidence >= CLEAR_CONFIDENCE &&
    ctx.compose.has('intents', top.intent)
  if (analysis.followUp && !surelyOther) return last
  // "停车怎么收费" → "最多收多少钱": a short question with nothing named, not clearly about anything
  // else, continues the previous topic.
  // Out of scope is no topic of its own: a fragment ("封顶吗", "要饿多久") reads as one to the classifier.
  const weak =
    !top || top.confidence < CLEAR_CONFIDENCE || top.intent === PRICE_INTENT || top.intent === 'out_of_scope'
  const standalone =
    top && (SOCIAL_INTENTS.has(top.intent) || HANDOFF_INTENTS[top.intent] || MEDICAL_INTENTS.has(top.intent))
  return !e.mentions.length && analysis.short && weak && !standalone ? last : undefined
}

function answer(ctx: Context, intent: string, confidence: number): Decision {
  const { analysis, state, now, compose } = ctx
  const e = analysis.entities
  const place = e.place ? { ids: e.place.ids, text: e.place.text } : undefined
  const exam = e.exam ? { id: e.exam.ids[0]!, text: e.exam.text } : undefined
  let composed: Composed
  let entityText: string | undefined
  switch (intent) {
    case 'place_location': {
      // A condition or body part instead of a department ("看牙去几楼"): the triage table names it.
      const triaged = place || exam ? undefined : compose.triagePlace(ctx.symptom, analysis.normalised)
      const buildings = [...new Set(e.mentions.filter((m) => m.type === 'building').map((m) => m.ids[0]!))]
      if (!place && !exam && !triaged && buildings.length) {
        entityText = buildings[buildings.length - 1]
        composed = compose.buildings(buildings)
        break
      }
      const unknown = analysis.unknownNouns()
      const target =
        place ??
        (exam ? { ids: compose.examPlaces(exam.id), text: exam.text } : undefined) ??
        (triaged ? { ids: [triaged.id], text: triaged.name } : undefined) ??
        // "食堂在哪" right after "心内科在几楼" is not about 心内科 again.
        (unknown.length ? undefined : state.place)
      entityText = target?.text
      if (!target && unknown.length) {
        const reply = compose.text('phrases', 'unknownPlace', { name: unknown.join('、') })
        return failure(ctx, { action: 'fallback', reply, intent, confidence, suggestions: [], state })
      }
      composed = target
        ? compose.placeLocation(target.ids, e.times, now)
        : { reply: compose.text('phrases', 'askPlace'), known: false }
      if (!target) return clarifyEntity(ctx, intent, composed.reply, confidence)
      break
    }
    case 'place_hours': {
      // With nothing named, "几点开门" is about 门诊; but "食堂几点开" names a place we know nothing of.
      const named =
        place ?? (exam ? { ids: compose.examPlaces(exam.id), text: exam.text } : undefined) ?? state.place
      if (!named && analysis.unknownNouns().length) {
        return clarifyEntity(ctx, intent, compose.text('phrases', 'askPlace'), confidence)
      }
      const target = named ?? { ids: ['outpatient'], text: compose.place('outpatient')?.name ?? '' }
      entityText = target.text
      composed = compose.placeHours(target.ids, e.times, now)
      break
    }
    case 'exam_preparation': {
      const target = exam ?? state.exam
      if (!target) return clarifyEntity(ctx, intent, compose.text('phrases', 'askExam'), confidence)
      entityText = target.text
      composed = compose.examPreparation(target.id, clockTime(analysis.normalised))
      break
    }
    case 'report_time': {
      // "做完胃镜取了病理 多久出": of the exams named, the one whose report the knowledge dates.
      const dated = e.mentions.findLast((m) => m.type === 'exam' && compose.knowsReport(m.ids[0]!))
      const target = (dated ? { id: dated.ids[0]!, text: dated.text } : exam) ?? state.exam
      entityText = target?.text
      composed = compose.reportTime(target?.id)
      break
    }
    default:
      composed = compose.faq(intent, e.times, now)
  }
  const nextState: DialogueState = {
    ...state,
    lastIntent: intent,
    failures: composed.known ? 0 : state.failures,
    ...(place ? { place } : {}),
    ...(exam ? { exam } : {}),
  }
  if (!composed.known) return fail(ctx, 'no_fact', intent, confidence, composed.reply, nextState)
  return {
    action: 'answer',
    reply: composed.reply,
    intent,
    confidence,
    suggestions: followUps(compose, intent, entityText),
    state: nextState,
  }
}

function followUps(compose: Composer, intent: string, entity?: string): string[] {
  const next: Record<string, string[]> = {
    place_location: ['place_hours'],
    place_hours: ['place_location'],
    exam_preparation: ['place_location', 'report_time'],
    report_time: ['report_print'],
  }
  return (next[intent] ?? []).map((i) => compose.suggestion(i, entity)).filter((s): s is string => !!s)
}

function clarify(ctx: Context, intents: string[], confidence: number): Decision {
  const { compose, analysis, state } = ctx
  const entity = analysis.entities.place?.text ?? analysis.entities.exam?.text
  const suggestions = [
    ...new Set(intents.map((i) => compose.suggestion(i, entity)).filter((s): s is string => !!s)),
  ]
  if (suggestions.length < 2) return fail(ctx, 'unknown', null, confidence)
  return failure(ctx, {
    action: 'clarify',
    reply: compose.text('phrases', 'clarify'),
    intent: intents[0] ?? null,
    confidence,
    suggestions,
    state,
  })
}

/** The intent is clear but the thing it is about is not ("要空腹吗" with no exam named). */
function clarifyEntity(ctx: Context, intent: string, reply: string, confidence: number): Decision {
  const examples = ctx.compose.kb.templates.clarifyExamples?.[intent] ?? []
  const suggestions = examples.map((x) => ctx.compose.suggestion(intent, x)).filter((s): s is string => !!s)
  return failure(ctx, {
    action: 'clarify',
    reply,
    intent,
    confidence,
    suggestions,
    state: { ...ctx.state, lastIntent: intent },
  })
}

/**
 * Medical questions are never answered. "Which department for this?" is routing, not advice: when the
 * triage table names a department it is answered with that department and where it is, plus 急诊.
 */
function medicalFallback(
  ctx: Context,
  intent: 'medical_question' | 'department_guidance',
  kind: string,
): Decision {
  const hint = ctx.compose.triageHint(ctx.symptom, ctx.analysis.normalised, ctx.now)
  const state = { ...ctx.state, lastIntent: intent }
  if (intent === 'department_guidance' && hint) {
    const reply = ctx.compose.text('fallbacks', 'department_guidance', { hint })
    return {
      action: 'answer',
      reply,
      intent,
      confidence: 1,
      suggestions: askForPerson(ctx.compose),
      state: { ...state, failures: 0 },
    }
  }
  const reply = ctx.compose.text('fallbacks', 'medical_question', { hint })
  return failure(
    ctx,
    { action: 'fallback', reply, intent, confidence: 1, suggestions: askForPerson(ctx.compose), state },
    { medical: kind },
  )
}

function fail(
  ctx: Context,
  fallbackKey: string,
  intent: string | null,
  confidence: number,
  reply?: string,
  state: DialogueState = ctx.state,
): Decision {
  const text =
    reply ??
    ctx.compose.text('fallbacks', ctx.compose.has('fallbacks', fallbackKey) ? fallbackKey : 'unknown')
  const decision: Decision = {
    action: 'fallback',
    reply: text,
    intent,
    confidence,
    suggestions: [],
    state: { ...state, ...(intent ? { lastIntent: intent } : {}) },
  }
  if (intent && SOCIAL_INTENTS.has(intent)) return decision
  return failure(ctx, decision)
}

/** Counts fallbacks and clarifies in a row: the second offers a person, the third hands off. */
function failure(ctx: Context, d: Decision, detail: Record<string, string> = {}): Decision {
  const failures = ctx.state.failures + 1
  if (failures >= 3) {
    return handoff(ctx, 'repeated_failure', 'normal', ctx.compose.text('handoff', 'repeated_failure'), {
      failures,
      ...detail,
    })
  }
  const state = { ...d.state, failures }
  if (failures === 2) {
    const person = askForPerson(ctx.compose)
    return {
      ...d,
      reply: ctx.compose.join(d.reply, ctx.compose.text('phrases', 'offerHuman')),
      suggestions: [...d.suggestions.filter((s) => !person.includes(s)), ...person],
      state,
    }
  }
  return { ...d, state }
}

/** The suggestion that asks for a person ("转人工", "Talk to a person"). */
function askForPerson(compose: Composer): string[] {
  const s = compose.suggestion('request_human')
  return s ? [s] : []
}

/**
 * A message in a language the bot does not answer in: with a red flag the emergency reply, else a
 * person who can call an interpreter; both in that language, with the hospital's facts filled in.
 */
function foreignReply(ctx: Context, foreign: ForeignReading): Decision {
  const { redFlag, replies, code } = foreign
  if (redFlag) {
    const text = redFlag.presentation === 'self_harm' ? replies.selfHarm : replies.emergency
    return handoff(ctx, 'emergency', 'urgent', ctx.compose.render(text), {
      category: redFlag.presentation,
      evidence: redFlag.evidence,
      language: code,
    })
  }
  const reply = ctx.compose.render(replies.handoff)
  if (ctx.state.handoff) {
    return { action: 'handoff', reply, intent: null, confidence: 1, suggestions: [], state: ctx.state }
  }
  return handoff(ctx, 'interpreter', 'normal', reply, { language: code, interpreter: foreign.name })
}

function handoff(
  ctx: Context,
  reason: HandoffReason,
  priority: Priority,
  reply: string,
  detail: Record<string, string | number>,
): Decision {
  const request: HandoffRequest = { reason, priority, detail }
  return {
    action: 'handoff',
    reply,
    intent: null,
    confidence: 1,
    suggestions: [],
    handoff: request,
    state: { ...ctx.state, failures: 0 },
  }
}
