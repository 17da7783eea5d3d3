// NightDesk knowledge admin: edit a draft, try it against the live bot, publish, roll back. Plain JS.
'use strict'

const $ = (id) => document.getElementById(id)
const state = { token: sessionStorage.getItem('nd-admin-token'), source: null, buildings: [] }

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
  if (!res.ok) {
    const err = new Error(data.error?.message || `请求失败（${res.status}）`)
    err.code = data.error?.code
    err.details = data.error?.details
    throw err
  }
  return data
}

function report(err) {
  $('errors').textContent = err ? [err.message, ...(err.details || [])].join('\n') : ''
}
function show(view) {
  $('login-view').hidden = view !== 'login'
  $('app-view').hidden = view !== 'app'
}
function signOut() {
  sessionStorage.removeItem('nd-admin-token')
  state.token = null
  show('login')
}
function cell(child) {
  const td = document.createElement('td')
  td.append(child)
  return td
}
function input(value, cls) {
  const i = document.createElement('input')
  i.value = value ?? ''
  if (cls) i.className = cls
  return i
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  const f = new FormData(e.target)
  try {
    const r = await api('POST', '/api/auth/login', {
      username: f.get('username'),
      password: f.get('password'),
    })
    if (r.agent.role !== 'admin') throw new Error('这里需要管理员账号')
    state.token = r.token
    sessionStorage.setItem('nd-admin-token', r.token)
    await load()
  } catch (err) {
    $('login-error').textContent = err.message
  }
})
$('logout').addEventListener('click', async () => {
  await api('POST', '/api/auth/logout').catch(() => {})
  signOut()
})

for (const b of document.querySelectorAll('nav button')) {
  b.addEventListener('click', async () => {
    for (const o of document.querySelectorAll('nav button')) o.setAttribute('aria-pressed', String(o === b))
    for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== `tab-${b.dataset.tab}`
    if (b.dataset.tab === 'unanswered') await loadUnanswered().catch(report)
    if (b.dataset.tab === 'history') await loadHistory().catch(report)
    if (b.dataset.tab === 'lockouts') await loadLockouts().catch(report)
  })
}

async function load() {
  const { version, draft } = await api('GET', '/api/admin/knowledge')
  state.source = draft.source
  state.buildings = draft.source.hospital.buildings.map((b) => b.name)
  $('version').textContent = `线上版本 ${version || '（初始文件）'}`
  $('draft-state').textContent = draft.author
    ? `草稿：${draft.author} 于 ${new Date(draft.at).toLocaleString('zh-CN')} 修改`
    : '草稿与线上相同'
  show('app')
  renderPlaces()
  renderIntents()
  renderAnswers()
}

function renderPlaces() {
  $('places').replaceChildren(
    ...state.source.places.map((p) => {
      const tr = document.createElement('tr')
      tr.dataset.id = p.id
      const building = document.createElement('select')
      for (const name of state.buildings) building.append(new Option(name, name, false, name === p.building))
      building.setAttribute('aria-label', `${p.name} 所在楼`)
      const floor = input(p.floor, 'floor')
      floor.setAttribute('aria-label', `${p.name} 楼层`)
      const detail = input(p.detail)
      detail.setAttribute('aria-label', `${p.name} 位置说明`)
      const aliases = input((p.aliases || []).join('、'))
      aliases.setAttribute('aria-label', `${p.name} 别名`)
      tr.append(
        cell(document.createTextNode(p.name)),
        cell(building),
        cell(floor),
        cell(detail),
        cell(aliases),
      )
      return tr
    }),
  )
}

$('save-places').addEventListener('click', async () => {
  const rows = new Map(
    [...$('places').children].map((tr) => [tr.dataset.id, tr.querySelectorAll('select, input')]),
  )
  const places = state.source.places.map((p) => {
    const [building, floor, detail, aliases] = rows.get(p.id)
    const f = floor.value.trim()
    const next = {
      ...p,
      building: building.value,
      aliases: aliases.value
        .split(/[、,，]/)
        .map((a) => a.trim())
        .filter(Boolean),
    }
    if (f === '') delete next.floor
    else next.floor = /^\d+$/.test(f) ? Number(f) : f
    if (detail.value.trim()) next.detail = detail.value.trim()
    else delete next.detail
    return next
  })
  await saveSection('places', places)
})

function renderIntents() {
  const select = $('intent-select')
  const current = select.value
  select.replaceChildren(
    ...state.source.intents.map(
      (i) => new Option(`${i.id}（${i.examples.length}）`, i.id, false, i.id === current),
    ),
  )
  const intent = state.source.intents.find((i) => i.id === select.value) || state.source.intents[0]
  $('examples').replaceChildren(
    ...intent.examples.map((ex) => {
      const li = document.createElement('li')
      li.textContent = ex
      return li
    }),
  )
}
$('intent-select').addEventListener('change', renderIntents)
$('add-example').addEventListener('click', async () => {
  const text = $('new-example').value.trim()
  if (!text) return
  const intents = state.source.intents.map((i) =>
    i.id === $('intent-select').value ? { ...i, examples: [...i.examples, text] } : i,
  )
  if (await saveSection('intents', intents)) $('new-example').value = ''
})

function renderAnswers() {
  $('answers').replaceChildren(
    ...Object.entries(state.source.templates.intents).map(([id, text]) => {
      const label = document.createElement('label')
      const ta = document.createElement('textarea')
      ta.rows = 2
      ta.dataset.id = id
      ta.value = text
      label.append(`${id} `, ta)
      return label
    }),
  )
}
$('save-answers').addEventListener('click', async () => {
  const intents = Object.fromEntries(
    [...$('answers').querySelectorAll('textarea')].map((t) => [t.dataset.id, t.value]),
  )
  await saveSection('templates', { ...state.source.templates, intents })
})

async function saveSection(section, value) {
  try {
    const r = await api('PUT', `/api/admin/knowledge/draft/${section}`, { value })
    report(null)
    $('errors').textContent = r.changes.length
      ? `已保存到草稿：${r.changes.slice(0, 5).join('；')}`
      : '没有改动'
    await load()
    return true
  } catch (err) {
    report(err)
    return false
  }
}

$('try-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  try {
    const r = await api('POST', '/api/admin/knowledge/draft/try', { text: $('try-text').value })
    const fmt = (x) => `[${x.action} · ${x.intent ?? '—'} · ${x.confidence}] ${x.reply}`
    $('try-draft').textContent = fmt(r.draft)
    $('try-live').textContent = fmt(r.live)
  } catch (err) {
    report(err)
  }
})
$('accuracy').addEventListener('click', async () => {
  $('accuracy-result').textContent = '计算中…'
  try {
    const r = await api('GET', '/api/admin/knowledge/draft/accuracy')
    $('accuracy-result').textContent =
      `留出例句准确率：草稿 ${(r.draft * 100).toFixed(1)}%，线上 ${(r.live * 100).toFixed(1)}%（${r.examples} 句）`
  } catch (err) {
    report(err)
  }
})
async function publish(confirmRemovals) {
  const v = await api('POST', '/api/admin/knowledge/publish', {
    note: $('publish-note').value || undefined,
    ...(confirmRemovals ? { confirmRemovals: true } : {}),
  })
  $('errors').textContent = `已发布版本 ${v.version}，立即生效`
  await load()
}
$('publish').addEventListener('click', async () => {
  try {
    await publish(false)
  } catch (err) {
    // A draft that removes most intents is published only after the admin has read what it removes.
    if (err.code !== 'ND_CONFIRMATION_REQUIRED') return report(err)
    if (!window.confirm(`${err.message}\n\n确定仍要发布吗？`)) return report(err)
    await publish(true).catch(report)
  }
})
$('discard').addEventListener('click', async () => {
  await api('DELETE', '/api/admin/knowledge/draft').catch(report)
  await load()
})

async function loadUnanswered() {
  const { groups } = await api('GET', '/api/admin/unanswered')
  $('unanswered').replaceChildren(
    ...groups.map((g) => {
      const tr = document.createElement('tr')
      const pick = document.createElement('select')
      pick.setAttribute('aria-label', `把"${g.text}"加为哪个意图的例句`)
      for (const i of state.source.intents) pick.append(new Option(i.id, i.id, false, i.id === g.guess))
      const add = document.createElement('button')
      add.type = 'button'
      add.textContent = '加入'
      add.addEventListener('click', async () => {
        try {
          await api('POST', '/api/admin/unanswered/add-example', { text: g.examples[0], intent: pick.value })
          await load()
          add.textContent = '已加入草稿'
          add.disabled = true
        } catch (err) {
          report(err)
        }
      })
      const span = document.createElement('span')
      span.append(pick, add)
      tr.append(
        cell(document.createTextNode(g.examples.join(' / '))),
        cell(document.createTextNode(String(g.count))),
        cell(span),
      )
      return tr
    }),
  )
}

// Accounts locked at one address after too many wrong passwords; an admin lifts one after checking
// with its owner (a lockout of someone else's guessing is better left to expire).
async function loadLockouts() {
  const { lockouts } = await api('GET', '/api/admin/lockouts')
  $('lockouts-empty').hidden = lockouts.length > 0
  $('lockouts').replaceChildren(
    ...lockouts.map((l) => {
      const tr = document.createElement('tr')
      const lift = document.createElement('button')
      lift.type = 'button'
      lift.textContent = '解除'
      lift.setAttribute('aria-label', `解除 ${l.username} 在 ${l.ip} 的登录锁定`)
      lift.addEventListener('click', async () => {
        try {
          await api('POST', '/api/admin/lockouts/lift', { username: l.username, ip: l.ip })
          await loadLockouts()
        } catch (err) {
          report(err)
        }
      })
      tr.append(
        cell(document.createTextNode(l.username)),
        cell(document.createTextNode(l.ip)),
        cell(document.createTextNode(new Date(l.until).toLocaleString('zh-CN'))),
        cell(lift),
      )
      return tr
    }),
  )
}

async function loadHistory() {
  const [{ versions }, { entries }] = await Promise.all([
    api('GET', '/api/admin/knowledge/versions'),
    api('GET', '/api/admin/audit'),
  ])
  $('versions').replaceChildren(
    ...versions
      .slice()
      .reverse()
      .map((v) => {
        const li = document.createElement('li')
        const when = new Date(v.at).toLocaleString('zh-CN')
        const changes = v.changes.slice(0, 3).join('；')
        li.textContent = `版本 ${v.version} · ${v.author} · ${when} · ${v.note || ''} · ${changes} `
        const b = document.createElement('button')
        b.type = 'button'
        b.textContent = `回滚到版本 ${v.version}`
        b.addEventListener('click', async () => {
          try {
            await api('POST', '/api/admin/knowledge/rollback', { version: v.version })
            await load()
            await loadHistory()
          } catch (err) {
            report(err)
          }
        })
        li.append(b)
        return li
      }),
  )
  $('audit').replaceChildren(
    ...entries.map((e) => {
      const li = document.createElement('li')
      const when = new Date(e.at).toLocaleString('zh-CN')
      li.textContent = `${when} · ${e.actor} · ${e.action} · ${JSON.stringify(e.detail).slice(0, 200)}`
      return li
    }),
  )
}

if (state.token) load().catch(() => show('login'))
else show('login')
