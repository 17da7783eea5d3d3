import autocannon from 'autocannon'

/** A realistic night mix: mostly FAQ, some follow-ups, clarify/fallback, medical, handoffs, rare emergencies. */
export const CHAT_MIX: Array<[string, number]> = [
  ['心内科在几楼', 8],
  ['做胃镜要空腹吗', 6],
  ['探视时间是几点', 5],
  ['现在药房开着吗', 4],
  ['停车怎么收费', 4],
  ['怎么挂号', 5],
  ['周末有门诊吗', 4],
  ['抽血前能喝水吗', 4],
  ['CT报告什么时候能拿', 3],
  ['医院地址在哪', 3],
  ['心內科在幾樓', 2],
  ['胃境要空腹吗', 2],
  ['那眼科呢', 3],
  ['异地医保能用吗', 2],
  ['出院手续在哪办', 2],
  ['检查前要空腹吗', 2],
  ['今天天气怎么样', 3],
  ['你好', 3],
  ['发烧38度5吃什么药好', 3],
  ['我的化验单白细胞偏高严重吗', 2],
  ['牙疼挂什么科', 2],
  ['做个胃镜多少钱', 2],
  ['转人工', 2],
  ['收费处多收了我两百块钱', 1],
  ['我爸突然胸口剧痛喘不上气', 1],
  // Foreign patients (issue 8): a few in English.
  ['Where is cardiology?', 2],
  ['do i need to fast before a gastroscopy', 1],
  ['what time does the pharmacy open', 1],
]

const bag = CHAT_MIX.flatMap(([text, weight]) => Array<string>(weight).fill(text))

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  requests: number
}

export interface LoadOptions {
  connections: number
  seconds: number
  /**
   * hello: GET /hello. chat: the mix above, as conversations. chat-new: the same, but every message's
   * text is one the bot has not seen (a number appended), so no analysis is reused from its cache.
   */
  kind: 'hello' | 'chat' | 'chat-new'
  tag: string
  path?: string
}

export async function load(url: string, opts: LoadOptions): Promise<LoadResult> {
  let n = 0
  let sessions = 0
  const text = () => (opts.kind === 'chat-new' ? `${bag[n % bag.length]} ${n++}` : bag[n++ % bag.length])
  // A conversation is five messages, one after another on one connection, as a patient at night sends
  // them: autocannon keeps a connection's context across the request list and resets it after.
  const conversation = Array.from({ length: 5 }, (_, turn) => ({
    method: 'POST' as const,
    path: opts.path ?? '/api/chat',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: autocannon.Request, context: { sessionId?: string; token?: string }) => {
      if (turn === 0 || !context.sessionId) {
        context.sessionId = `${opts.tag}-${sessions++}`
        context.token = undefined
      }
      // Later messages of a conversation show its token, as the contract asks of every client.
      const headers = context.token ? { ...req.headers, 'x-session-token': context.token } : req.headers
      return { ...req, headers, body: JSON.stringify({ sessionId: context.sessionId, text: text() }) }
    },
    onResponse: (_status: number, body: string, context: { token?: string }) => {
      if (opts.kind !== 'hello') context.token = (JSON.parse(body) as { sessionToken?: string }).sessionToken
    },
  }))
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    requests: opts.kind === 'hello' ? [{ method: 'GET', path: opts.path ?? '/hello' }] : conversation,
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  }
}
