import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openEmbeddedStores } from '../../src/storage/embedded.js'
import { withOutbox } from '../../src/storage/outbox.js'
import type { SessionRecord, Stores, Ticket } from '../../src/storage/types.js'
import { tempDir } from '../helpers.js'

// Issue 17: deleting a patient left their lines in DATA_DIR/outbox.ndjson, where writes wait while
// Redis is away. The outbox is tested over a store whose writes can be made to fail like Redis's.
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined }
const AT = '2026-11-24T02:00:00.000Z'

function failingWrites(inner: Stores, down: () => boolean): Stores {
  const refuse = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
  return {
    ...inner,
    recordTurn: (s, e) => (down() ? refuse() : inner.recordTurn(s, e)),
    tickets: { ...inner.tickets, create: (t) => (down() ? refuse() : inner.tickets.create(t)) },
  }
}

const session = (sessionId: string): SessionRecord => ({
  sessionId,
  channel: 'web',
  createdAt: AT,
  updatedAt: AT,
  state: { failures: 0 },
})
const ticket = (id: string, sessionId: string): Ticket => ({
  id,
  sessionId,
  channel: 'web',
  reason: 'human_requested',
  priority: 'normal',
  status: 'queued',
  detail: {},
  createdAt: AT,
  updatedAt: AT,
})

describe('deleting a patient while writes wait in the outbox', () => {
  it('takes their turns and callback number out of outbox.ndjson, and Redis never gets them back', async () => {
    const dataDir = tempDir('nd-outbox-forget-')
    const inner = openEmbeddedStores(tempDir('nd-outbox-shared-'))
    let down = true
    const stores = withOutbox(
      failingWrites(inner, () => down),
      dataDir,
      quiet,
    )
    await stores.recordTurn(session('forget-me'), [{ at: AT, role: 'patient', text: '我叫王小明，要转人工' }])
    await stores.tickets.create(ticket('T-forget', 'forget-me'))
    await stores.tickets.update('T-forget', { detail: { callbackPhone: '13912345678' } })
    await stores.recordTurn(session('keep-me'), [{ at: AT, role: 'patient', text: '心内科在几楼' }])
    const file = path.join(dataDir, 'outbox.ndjson')
    expect(readFileSync(file, 'utf8')).toContain('13912345678')

    expect(await stores.privacy.forget('forget-me')).toEqual({ transcriptEntries: 1, tickets: 1 })
    const kept = readFileSync(file, 'utf8')
    expect(kept).not.toContain('forget-me')
    expect(kept).not.toContain('王小明')
    expect(kept).not.toContain('13912345678')
    expect(kept).toContain('keep-me')

    down = false
    await expect.poll(() => stores.outbox().pending, { timeout: 10_000 }).toBe(0)
    expect(await inner.transcripts.list('forget-me')).toEqual([])
    expect(await inner.transcripts.list('keep-me')).toHaveLength(1)
    expect(await inner.tickets.get('T-forget')).toMatchObject({ sessionId: 'forgotten', detail: {} })
    await stores.close()
  })
})
