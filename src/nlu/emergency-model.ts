import type { SafetyFinding } from './detectors/safety.js'
import { CharGramModel } from './char-gram-model.js'

/**
 * intents/<code>/detectors/emergency_examples.yaml: present emergencies by presentation, and messages
 * that only look like one, by kind (history, negation, hypothetical…). Written from triage references,
 * separately from the rules, so that the model learns the ways of saying it that the rules do not list.
 */
export interface EmergencyExamples {
  emergencies: Record<string, string[]>
  look_alikes: Record<string, string[]>
}

/** How sure the model must be that a message the rules passed is a present emergency. */
export const RESCUE_THRESHOLD = 0.8

/** Too little to judge ("胸痛", "help" alone are the rules' job): fewer Chinese characters or words than this. */
const MIN_DISTINCT_HAN = 4
const MIN_WORDS = 3
const enoughToJudge = (text: string) =>
  new Set(text.match(/\p{Script=Han}/gu) ?? []).size >= MIN_DISTINCT_HAN ||
  (text.match(/[a-z]+/giu) ?? []).length >= MIN_WORDS

const NONE = 'none'

/**
 * The rules' backstop: reads a message the emergency rules passed and raises it when it is sure it is a
 * present emergency. It never clears what the rules raised: a false alarm costs a nurse a minute, a miss
 * can cost a life. Negatives are the look-alikes and every question the bot answers (the intents' and
 * the out-of-scope examples).
 */
export class EmergencyModel {
  private readonly model: CharGramModel<string>

  constructor(examples: EmergencyExamples, questions: string[]) {
    this.model = CharGramModel.shared([
      ...Object.entries(examples.emergencies).flatMap(([presentation, texts]) =>
        texts.map((text) => ({ text, label: presentation })),
      ),
      ...[...Object.values(examples.look_alikes).flat(), ...questions].map((text) => ({ text, label: NONE })),
    ])
  }

  /** P(present emergency | text): one minus the probability of "none". */
  probability(text: string): number {
    return 1 - (this.model.probabilities(text).get(NONE) ?? 0)
  }

  detect(text: string, threshold = RESCUE_THRESHOLD): SafetyFinding | undefined {
    if (!enoughToJudge(text)) return undefined
    const scores = this.model.probabilities(text)
    const p = 1 - (scores.get(NONE) ?? 0)
    if (p < threshold) return undefined
    let category = NONE
    let best = -1
    for (const [label, q] of scores) if (label !== NONE && q > best) [category, best] = [label, q]
    return {
      kind: category === 'self_harm' ? 'self_harm' : 'emergency',
      category,
      evidence: `model ${p.toFixed(3)}`,
    }
  }
}
