import { Type } from '@sinclair/typebox'
import { literals } from './chat.js'
import { Ticket, TranscriptEntry } from './tickets.js'
import { ACTIONS, PRIORITIES } from '../dialogue/types.js'

/** Any JSON object: a shape that is the data's own (the knowledge, a stored conversation's state). */
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description })

export const NightResponse = Type.Object({
  from: Type.String(),
  to: Type.String(),
  nightMessages: Type.Number(),
  answeredInTime: Type.Number(),
  rate: Type.Number(),
  target: Type.Number(),
  byBot: Type.Number(),
  byPerson: Type.Number(),
  waiting: Type.Number(),
})

const Counts = Type.Record(Type.String(), Type.Number())
const Stat = Type.Object({
  median: Type.Union([Type.Number(), Type.Null()]),
  p90: Type.Union([Type.Number(), Type.Null()]),
  n: Type.Number(),
})

export const Dashboard = Type.Object({
  from: Type.String(),
  to: Type.String(),
  messages: Type.Number(),
  messagesByHour: Type.Array(Type.Number()),
  intents: Type.Array(Type.Object({ intent: Type.String(), count: Type.Number() })),
  actions: Counts,
  nightResponse: NightResponse,
  handoffs: Type.Object({
    count: Type.Number(),
    byPriority: Counts,
    waitMinutes: Stat,
    resolutionMinutes: Stat,
    firstResponseBreached: Type.Number(),
  }),
  satisfaction: Counts,
  complaints: Counts,
})

/** A download for Excel: documented as what it is, not JSON. */
export const CsvFile = { description: 'CSV (UTF-8)', content: { 'text/csv': { schema: Type.String() } } }

export const PatientExport = Type.Object({
  sessionId: Type.String(),
  session: Type.Union([Open('The conversation state the bot keeps'), Type.Null()]),
  transcript: Type.Array(TranscriptEntry),
  tickets: Type.Array(Ticket),
})
export const Forgotten = Type.Object({ transcriptEntries: Type.Number(), tickets: Type.Number() })

export const KnowledgeVersionInfo = Type.Object({
  version: Type.Integer(),
  author: Type.String(),
  at: Type.String(),
  note: Type.Optional(Type.String()),
  changes: Type.Array(Type.String()),
})
export const KnowledgeState = Type.Object({
  version: Type.Integer({ description: 'The live version (0: the shipped knowledge)' }),
  draft: Type.Object({
    source: Open('The whole knowledge: facts, intents, templates… (see knowledge/README)'),
    author: Type.Optional(Type.String()),
    at: Type.Optional(Type.String()),
    basedOn: Type.Integer(),
  }),
})
export const DraftEdited = Type.Object({ changes: Type.Array(Type.String()) })

const Preview = Type.Object({
  reply: Type.String(),
  action: literals(ACTIONS),
  intent: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Number(),
  handoff: Type.Union([Type.Object({ reason: Type.String(), priority: literals(PRIORITIES) }), Type.Null()]),
  lang: Type.String(),
})
export const DraftTried = Type.Object({ draft: Preview, live: Preview })

export const Untranslated = Type.Object({ languages: Type.Record(Type.String(), Type.Array(Type.String())) })
export const Accuracy = Type.Object({ draft: Type.Number(), live: Type.Number(), examples: Type.Number() })

export const Unanswered = Type.Object({
  groups: Type.Array(
    Type.Object({
      text: Type.String(),
      count: Type.Number(),
      examples: Type.Array(Type.String()),
      lastAt: Type.String(),
      outcome: Type.String(),
      guess: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
})
export const KnowledgeFiles = Type.Object({ files: Type.Record(Type.String(), Type.String()) })
export const AuditLog = Type.Object({
  entries: Type.Array(
    Type.Object({
      at: Type.String(),
      actor: Type.String(),
      action: Type.String(),
      detail: Open('What the action changed'),
    }),
  ),
})
