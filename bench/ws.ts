import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import { summarise, type Summary } from './stats.js'

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('message', () => resolve(ws)) // the server's "ready"
    ws.once('error', reject)
  })
}

/** Opens `count` connections, `batch` at a time (a burst of 10,000 SYNs would only measure the backlog). */
export async function openMany(url: string, count: number, batch = 200): Promise<WebSocket[]> {
  const sockets: WebSocket[] = []
  for (let i = 0; i < count; i += batch) {
    sockets.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(batch, count - i) }, (_, k) => open(`${url}?sessionId=ws-${i + k}`)),
      )),
    )
  }
  return sockets
}

export function closeAll(sockets: WebSocket[]): Promise<void> {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve())
          ws.terminate()
        }),
    ),
  ).then(() => undefined)
}

const QUESTIONS = ['心内科在几楼', '做胃镜要空腹吗', '探视时间是几点', '停车怎么收费', '那眼科呢', '怎么挂号']

/** Every socket asks a question every `intervalMs` for `seconds`; returns round-trip times in ms. */
export async function chatter(sockets: WebSocket[], seconds: number, intervalMs: number): Promise<Summary> {
  const rtts: number[] = []
  const end = Date.now() + seconds * 1000
  await Promise.all(
    sockets.map(async (ws, i) => {
      await delay(Math.random() * intervalMs)
      let n = 0
      while (Date.now() < end) {
        const t0 = performance.now()
        const id = `${i}-${n++}`
        await new Promise<void>((resolve) => {
          const onMessage = (data: WebSocket.RawData) => {
            if (JSON.parse(String(data)).id === id) {
              ws.off('message', onMessage)
              resolve()
            }
          }
          ws.on('message', onMessage)
          ws.send(JSON.stringify({ type: 'message', id, text: QUESTIONS[(i + n) % QUESTIONS.length] }))
        })
        rtts.push(performance.now() - t0)
        await delay(intervalMs)
      }
    }),
  )
  return summarise(rtts)
}
