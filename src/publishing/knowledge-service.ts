import { createBrain, type BotBrain } from '../dialogue/brain.js'
import { evaluateNlu } from '../eval/nlu-report.js'
import type { LanguagePack } from '../nlu/resources.js'
import type { Stores, KnowledgeVersionInfo } from '../storage/types.js'
import { buildKnowledgeBase, withShippedDefaults, type KnowledgeSource } from '../knowledge-base/load.js'
import { KnowledgeError, KnowledgeInvalidError, RemovalNotConfirmedError } from '../knowledge-base/errors.js'
import { systemClock, type Clock } from '../clock.js'
import type { ReplyOnlyLanguages } from '../nlu/reply-only.js'

export const KB_TOPIC = 'kb'
export const SECTIONS = [
  'hospital',
  'services',
  'rawSchedules',
  'places',
  'groups',
  'exams',
  'triage',
  'templates',
  'intents',
] as const
export type Section = (typeof SECTIONS)[number]

/** Every problem with a source, including shapes so broken that building it throws. */
export function problemsOf(source: KnowledgeSource): string[] {
  try {
    buildKnowledgeBase(source)
    return []
  } catch (e) {
    return e instanceof KnowledgeError ? e.problems : [`knowledge is malformed: ${(e as Error).message}`]
  }
}

/** What changed between two versions, as paths an admin can read ("places[7].floor: 2 → 9"). */
export function diff(a: unknown, b: unknown, at = '', out: string[] = [], limit = 200): string[] {
  if (out.length >= limit) return out
  if (JSON.stringify(a) === JSON.stringify(b)) return out
  const isObj = (v: unknown) => v !== null && typeof v === 'object'
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${at || '/'}: ${short(a)} → ${short(b)}`)
    return out
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)])
  for (const k of keys) {
    const path = Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k
    diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path, out, limit)
  }
  return out
}
const short = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 80))

/**
 * Admins edit a shared draft, try it, and publish it. Publishing builds a complete new pipeline from
 * the draft and swaps it in with one assignment, so every message is answered by the old version or
 * the new one, never a half-built one; other instances load the same version when told on the bus.
 */
export class KnowledgeService {
  private draftCache: { at: string; brain: BotBrain } | undefined

  constructor(
    private readonly stores: Stores,
    private readonly packs: Map<string, LanguagePack>,
    private readonly timeZone: string,
    /** The knowledge files this release ships: wording older versions lack comes from them. */
    private readonly shipped: KnowledgeSource,
    private readonly live: {
      get: () => { brain: BotBrain; source: KnowledgeSource; version: number }
      swap: (brain: BotBrain, source: KnowledgeSource, version: number) => void
    },
    private readonly clock: Clock = systemClock,
    private readonly replyOnly?: ReplyOnlyLanguages,
  ) {}

  build(source: KnowledgeSource): BotBrain {
    const complete = withShippedDefaults(source, this.shipped)
    const problems = problemsOf(complete)
    if (problems.length) throw new KnowledgeInvalidError(problems)
    return createBrain(buildKnowledgeBase(complete), this.packs, this.timeZone, this.replyOnly)
  }

  async draft(): Promise<{ source: KnowledgeSource; author?: string; at?: string; basedOn: number }> {
    const d = await this.stores.knowledge.draft()
    return d
      ? { ...d, basedOn: this.live.get().version }
      : { source: this.live.get().source, basedOn: this.live.get().version }
  }

  /** Replaces sections of the draft together; rejected whole, with every field problem, if invalid. */
  async edit(sections: Partial<Record<Section, unknown>>, actor: string): Promise<{ changes: string[] }> {
    const current = (await this.draft()).source
    const next = { ...current, ...sections } as KnowledgeSource
    const names = Object.keys(sections) as Section[]
    const problems = problemsOf(next)
    if (problems.length) {
      await this.stores.knowledge.audit({
        at: this.clock().toISOString(),
        actor,
        action: 'edit-rejected',
        detail: { sections: names, problems },
      })
      throw new KnowledgeInvalidError(problems)
    }
    const changes = names.flatMap((name) => diff(current[name], next[name], name))
    await this.stores.knowledge.saveDraft({ source: next, author: actor, at: this.clock().toISOString() })
    await this.stores.knowledge.audit({
      at: this.clock().toISOString(),
      actor,
      action: 'edit',
      detail: { sections: names, changes },
    })
    return { changes }
  }

  async discardDraft(actor: string): Promise<void> {
    await this.stores.knowledge.saveDraft(undefined)
    await this.stores.knowledge.audit({
      at: this.clock().toISOString(),
      actor,
      action: 'discard-draft',
      detail: {},
    })
  }

  /** The draft's bot, built once per draft edit. */
  async draftBrain(): Promise<BotBrain> {
    const d = await this.stores.knowledge.draft()
    if (!d) return this.live.get().brain
    if (this.draftCache?.at !== d.at) this.draftCache = { at: d.at, brain: this.build(d.source) }
    return this.draftCache.brain
  }

  async accuracy(): Promise<{ draft: number; live: number; examples: number }> {
    const d = await this.draft()
    // The base language's intents: the ones admins edit in the knowledge pages.
    const base = (source: KnowledgeSource) => {
      const kb = buildKnowledgeBase(source)
      return evaluateNlu(kb, this.packs.get(kb.language)!, { rounds: 1 })
    }
    const draft = base(d.source)
    const live = base(this.live.get().source)
    return { draft: draft.accuracy, live: live.accuracy, examples: draft.total }
  }

  async publish(actor: string, note?: string, confirmRemovals = false): Promise<KnowledgeVersionInfo> {
    const d = await this.stores.knowledge.draft()
    if (!d) throw new KnowledgeInvalidError(['there is no draft to publish: edit something first'])
    return this.release(d.source, actor, note ?? 'publish', true, confirmRemovals)
  }

  async rollback(version: number, actor: string, confirmRemovals = false): Promise<KnowledgeVersionInfo> {
    const old = await this.stores.knowledge.get(version)
    if (!old) throw new KnowledgeInvalidError([`version ${version} does not exist`])
    return this.release(old.source, actor, `rollback to version ${version}`, false, confirmRemovals)
  }

  private async release(
    source: KnowledgeSource,
    actor: string,
    note: string,
    clearDraft: boolean,
    confirmRemovals: boolean,
  ): Promise<KnowledgeVersionInfo> {
    const live = this.live.get().source.intents.map((i) => i.id)
    const kept = new Set(source.intents.map((i) => i.id))
    const removed = live.filter((id) => !kept.has(id))
    if (removed.length * 2 > live.length && !confirmRemovals) {
      throw new RemovalNotConfirmedError(removed, live.length)
    }
    const brain = this.build(source)
    const changes = diff(this.live.get().source, source)
    const { source: _s, ...info } = await this.stores.knowledge.publish({
      author: actor,
      at: this.clock().toISOString(),
      note,
      changes,
      source,
    })
    this.live.swap(brain, source, info.version)
    if (clearDraft) await this.stores.knowledge.saveDraft(undefined)
    await this.stores.knowledge.audit({
      at: info.at,
      actor,
      action: clearDraft ? 'publish' : 'rollback',
      detail: { version: info.version, note, changes: changes.slice(0, 50) },
    })
    await this.stores.events.publish(KB_TOPIC, { type: 'published', version: info.version })
    return info
  }

  /** Another instance published: load that version if it is newer than ours. */
  async follow(version: number): Promise<void> {
    if (version <= this.live.get().version) return
    const v = await this.stores.knowledge.get(version)
    if (v) this.live.swap(this.build(v.source), v.source, v.version)
  }
}
