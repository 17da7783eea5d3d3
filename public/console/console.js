// NightDesk agent console: sign in, live queue (most urgent first), transcript with the bot's
// analysis, claim / reply / transfer / hand back / close. Plain JS, served by the app, no CDN.
'use strict'

const $ = (id) => document.getElementById(id)
const ROLE = { patient: '患者', bot: '智能助手', agent: '值班人员', system: '系统' }
const REASON = {
  emergency: '危急情况',
  complaint: '投诉',
  negative_sentiment: '情绪激动',
  human_requested: '要求人工',
  interpreter: '需要翻译',
  medical_advice: '医疗问题',
  repeated_failure: '多次未解答',
}
const PRIORITY = { urgent: '紧急', high: '优先', normal: '普通' }
const CHANNEL = { web: '网页咨询', api: '接口', wechat: '微信', 'wechat-oa': '微信公众号' }
// A ticket's details as a nurse reads them: what the bot found, not its field names.
const DETAIL = {
  category: '类别',
  level: '投诉级别',
  evidence: '患者原话',
  classifier: '识别为',
  confidence: '把握',
  callbackPhone: '回电号码',
  escalatedFrom: '原优先级',
  escalatedTo: '升级为',
  escalatedBy: '升级人',
  rating: '满意度',
  ratedTicket: '评价的工单',
}
const CATEGORY = {
  chest: '胸痛',
  breathing: '呼吸困难',
  bleeding: '大出血',
  stroke: '疑似卒中',
  consciousness: '意识不清',
  poisoning: '中毒或误服',
  trauma: '严重外伤',
  allergy: '严重过敏',
  pregnancy: '孕产急症',
  child: '儿童急症',
  choking: '窒息或异物',
  infant_fever: '婴儿发热',
  seizure: '抽搐',
  head_injury: '头部外伤',
  burns: '烧烫伤',
  electric_shock: '触电',
  drowning: '溺水',
  carbon_monoxide: '一氧化碳中毒',
  hypoglycaemia: '低血糖',
  self_harm: '自伤风险',
}
// What the bot read a message as, in the nurse's words, not the classifier's ids.
const INTENT = {
  admission: '入院手续',
  caregiver: '陪护',
  complaint: '投诉',
  complaint_channel: '投诉渠道',
  department_guidance: '挂什么科',
  discharge: '出院手续',
  doctor_schedule: '医生出诊',
  escort_service: '陪诊服务',
  exam_preparation: '检查前准备',
  green_channel: '绿色通道',
  greeting: '问候',
  holiday_hours: '节假日时间',
  hospital_address: '医院地址',
  hospital_intro: '医院介绍',
  hospital_phone: '医院电话',
  invoice: '发票',
  lost_and_found: '失物招领',
  medical_insurance: '医保',
  medical_question: '病情用药问题',
  medical_records_copy: '病历复印',
  out_of_scope: '与医院无关',
  parking: '停车',
  payment_methods: '缴费方式',
  place_hours: '开放时间',
  place_location: '科室位置',
  price_inquiry: '收费价格',
  registration_advance: '预约挂号',
  registration_cancel: '退号改约',
  registration_channels: '挂号渠道',
  registration_documents: '挂号证件',
  report_print: '报告打印',
  report_time: '出报告时间',
  request_human: '要求人工',
  thanks_goodbye: '感谢告别',
  translation_service: '翻译服务',
  transport: '交通',
  visiting_hours: '探视时间',
  wechat_account: '公众号',
  wheelchair: '轮椅',
  wifi: '无线网络',
}
const ACTION = { answer: '解答', clarify: '追问', fallback: '未能解答', handoff: '转人工' }
const detailValue = (k, v) =>
  k === 'category' ? CATEGORY[v] || v : k.startsWith('escalated') && PRIORITY[v] ? PRIORITY[v] : v
// The patient's language, when it is not Chinese: the agent answers in it.
const LANGUAGE = { en: 'English 英语', ja: '日本語 日语' }
const languageTag = (t) =>
  t.language && t.language !== 'zh' ? `【${LANGUAGE[t.language] || t.language}】` : ''
const state = {
  token: sessionStorage.getItem('nd-token'),
  me: null,
  tickets: [],
  current: null,
  socket: null,
  retry: 500,
}

async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(state.token ? { authorization: `Bearer ${state.token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const data = await res.json().catch(() => ({}))
  if (res.status === 401 && url !== '/api/auth/login') {
    signOut()
    throw new Error('登录已过期，请重新登录')
  }
  if (!res.ok) throw new Error(data.error?.message || `请求失败（${res.status}）`)
  return data
}

function show(view) {
  $('login-view').hidden = view !== 'login'
  $('app-view').hidden = view !== 'app'
}

function signOut() {
  sessionStorage.removeItem('nd-token')
  state.token = null
  if (state.socket) state.socket.close()
  show('login')
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  const form = new FormData(e.target)
  try {
    const result = await api('POST', '/api/auth/login', {
      username: form.get('username'),
      password: form.get('password'),
    })
    state.token = result.token
    sessionStorage.setItem('nd-token', result.token)
    await start()
  } catch (err) {
    $('login-error').textContent = err.message
  }
})

$('logout').addEventListener('click', async () => {
  await api('POST', '/api/auth/logout').catch(() => {})
  signOut()
})
$('presence').addEventListener('change', (e) =>
  api('PUT', '/api/agent/presence', { presence: e.target.value }).catch(report),
)

function report(err) {
  $('ticket-error').textContent = err.message
}

async function start() {
  state.me = await api('GET', '/api/agent/me')
  $('me').textContent = `${state.me.displayName}（${state.me.role === 'admin' ? '管理员' : '值班'}）`
  show('app')
  await refreshQueue()
  await showChannels()
  connect()
  state.canned = (await api('GET', '/api/agent/canned-replies')).replies
  showCanned('zh')
}

// Quick replies in the patient's language (the Chinese ones when there are none in it).
function showCanned(language) {
  const all = state.canned || []
  const own = all.filter((r) => r.lang === language)
  $('canned').replaceChildren(
    ...(own.length ? own : all.filter((r) => r.lang === 'zh')).map((r) => {
      const b = document.createElement('button')
      b.type = 'button'
      b.textContent = r.label
      b.title = r.text
      b.addEventListener('click', () => {
        $('reply-text').value = r.text
        $('reply-text').focus()
      })
      return b
    }),
  )
}

// WeChat login state; while a login waits for a scan, a link to the QR code this app renders.
const WECHAT = {
  off: '未启用',
  starting: '启动中',
  scan: '等待扫码登录',
  online: '已登录',
  offline: '已掉线',
}
async function showChannels() {
  const { wechat } = await api('GET', '/api/agent/channels')
  const box = $('wechat')
  box.replaceChildren(
    `微信：${WECHAT[wechat.state] || wechat.state}${wechat.user ? `（${wechat.user}）` : ''}`,
  )
  if (wechat.qrcodeAvailable) {
    const a = document.createElement('a')
    a.href = '/api/agent/channels/wechat/qrcode.svg'
    a.textContent = ' 打开二维码'
    a.addEventListener('click', async (e) => {
      e.preventDefault()
      const res = await fetch(a.href, { headers: { authorization: `Bearer ${state.token}` } })
      window.open(URL.createObjectURL(await res.blob()), '_blank', 'noopener')
    })
    box.append(a)
  }
  setTimeout(() => {
    if (state.token) showChannels().catch(() => {})
  }, 15_000)
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(
    `${proto}://${location.host}/ws/agent?token=${encodeURIComponent(state.token)}`,
  )
  state.socket = socket
  socket.addEventListener('open', () => {
    $('connection').textContent = '实时连接正常'
    state.retry = 500
  })
  socket.addEventListener('message', async (e) => {
    const event = JSON.parse(e.data)
    if (event.type === 'ticket' || event.type === 'message') {
      await refreshQueue()
      if (state.current && event.ticket?.id === state.current) await openTicket(state.current)
      if (event.ticket?.priority === 'urgent' && event.type === 'ticket') alertUrgent(event.ticket)
    } else if (event.type === 'alert') {
      // A flood of handoffs from one address: one notice instead of a ticket per message.
      document.title = '【提醒】异常转人工 · 夜间服务台'
      $('connection').textContent = event.text
    }
  })
  socket.addEventListener('close', (e) => {
    if (!state.token) return
    // 4401: the token was signed out, revoked or expired, or the account deactivated: sign in again.
    if (e.code === 4401) return signOut()
    $('connection').textContent = '连接中断，正在重连…'
    setTimeout(connect, state.retry)
    state.retry = Math.min(state.retry * 2, 10_000)
  })
}

function alertUrgent(ticket) {
  document.title = `【紧急】${REASON[ticket.reason] || ''} · 夜间服务台`
  $('connection').textContent = `紧急会话 ${ticket.id} 需要立即处理`
}

async function refreshQueue() {
  state.tickets = (await api('GET', '/api/agent/queue')).tickets
  $('queue-count').textContent = `（${state.tickets.length}）`
  $('queue').replaceChildren(
    ...state.tickets.map((t) => {
      const li = document.createElement('li')
      li.className = t.priority
      const b = document.createElement('button')
      b.type = 'button'
      b.dataset.ticket = t.id
      if (t.id === state.current) b.setAttribute('aria-current', 'true')
      const breached = t.clocks.some((c) => c.breached)
      b.innerHTML = ''
      const line1 = document.createElement('div')
      const badge = document.createElement('span')
      badge.className = `badge ${t.priority}`
      badge.textContent = PRIORITY[t.priority]
      const holder = t.assignee === state.me.id ? '我处理中' : '他人处理中'
      const status = t.status === 'assigned' ? holder : '待接单'
      line1.append(badge, ` ${languageTag(t)}${REASON[t.reason] || t.reason} · ${status}`)
      const line2 = document.createElement('div')
      line2.textContent = `${new Date(t.createdAt).toLocaleTimeString('zh-CN')} · ${CHANNEL[t.channel] || t.channel}`
      if (breached) {
        const s = document.createElement('span')
        s.className = 'breach'
        s.textContent = ' 已超时'
        line2.append(s)
      }
      b.append(line1, line2)
      b.addEventListener('click', () => openTicket(t.id))
      li.append(b)
      return li
    }),
  )
}

async function openTicket(id) {
  state.current = id
  $('ticket-error').textContent = ''
  const { ticket, transcript } = await api('GET', `/api/agent/tickets/${encodeURIComponent(id)}`)
  $('ticket-title').textContent =
    `${PRIORITY[ticket.priority]} · ${languageTag(ticket)}${REASON[ticket.reason] || ticket.reason} · 工单 ${ticket.id}`
  showCanned(ticket.language || 'zh')
  const details = Object.entries(ticket.detail)
    .map(([k, v]) => `${DETAIL[k] || k}：${detailValue(k, v)}`)
    .join('；')
  const clocks = ticket.clocks
    .map(
      (c) =>
        `${c.label}${c.met ? '（已达成）' : c.breached ? '（已超时）' : `（截止 ${new Date(c.dueAt).toLocaleTimeString('zh-CN')}）`}`,
    )
    .join('；')
  $('ticket-meta').textContent = [details, clocks].filter(Boolean).join(' | ')
  $('transcript').replaceChildren(
    ...transcript.map((m) => {
      const li = document.createElement('li')
      li.className = m.role
      const who = document.createElement('strong')
      who.textContent = `${ROLE[m.role] || m.role}：`
      const text = document.createElement('span')
      text.textContent = m.text
      li.append(who, text)
      if (m.role === 'patient' || m.role === 'bot') {
        const a = document.createElement('span')
        a.className = 'analysis'
        // The classifier's reading goes with what the bot did about it: beside a patient's words it read
        // as "与医院无关" a stroke the safety rules had already raised.
        const read = m.role === 'bot'
        a.textContent = [
          read && m.intent && `识别为 ${INTENT[m.intent] || m.intent}`,
          read && m.confidence !== undefined && `置信度 ${m.confidence}`,
          m.sentiment !== undefined && `情绪 ${m.sentiment}`,
          m.action && `处理 ${ACTION[m.action] || m.action}`,
          m.reason && `原因 ${REASON[m.reason] || m.reason}`,
        ]
          .filter(Boolean)
          .join(' · ')
        li.append(a)
      }
      return li
    }),
  )
  const mine = ticket.status === 'assigned' && ticket.assignee === state.me.id
  const open = ticket.status === 'queued' || ticket.status === 'assigned'
  $('actions').hidden = !open
  $('claim').hidden = ticket.status !== 'queued'
  for (const id of ['transfer', 'transfer-to', 'handback']) $(id).hidden = !mine
  $('escalate').hidden = !(
    ticket.reason === 'complaint' &&
    ticket.clocks.some((c) => c.name === 'escalation') &&
    !ticket.escalatedAt
  )
  $('reply-form').hidden = !mine
  if (mine) await fillColleagues()
  await refreshQueue()
}

async function fillColleagues() {
  const agents = (await api('GET', '/api/agent/agents')).agents.filter((a) => a.id !== state.me.id)
  const back = new Option('退回队列', '')
  $('transfer-to').replaceChildren(
    back,
    ...agents.map(
      (a) => new Option(`${a.displayName}（${a.presence === 'online' ? '在线' : '离线'}）`, a.id),
    ),
  )
}

async function act(action, body) {
  try {
    await api('POST', `/api/agent/tickets/${encodeURIComponent(state.current)}/${action}`, body)
    await openTicket(state.current)
  } catch (err) {
    report(err)
  }
}

$('claim').addEventListener('click', () => act('claim'))
$('handback').addEventListener('click', () => act('handback'))
$('escalate').addEventListener('click', () => act('escalate'))
$('close').addEventListener('click', () => act('close', { outcome: $('outcome').value }))
$('transfer').addEventListener('click', () =>
  act('transfer', $('transfer-to').value ? { toAgentId: $('transfer-to').value } : {}),
)
let typingSent = 0
$('reply-text').addEventListener('input', () => {
  if (Date.now() - typingSent < 3000 || !state.current) return
  typingSent = Date.now()
  api('POST', `/api/agent/tickets/${encodeURIComponent(state.current)}/typing`).catch(() => {})
})
$('reply-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  const text = $('reply-text').value.trim()
  if (!text) return
  await act('reply', { text })
  $('reply-text').value = ''
})

if (state.token) start().catch(() => show('login'))
else show('login')
