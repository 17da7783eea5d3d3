// NightDesk dashboard: the figures the hospital is judged on, drawn with ECharts served by the app.
'use strict'

const $ = (id) => document.getElementById(id)
const token = sessionStorage.getItem('nd-admin-token')
const ACTION = { answer: '直接回答', clarify: '追问', fallback: '兜底', handoff: '转人工' }
const COMPLAINT = {
  medical_quality: '医疗质量',
  billing: '收费',
  process_waiting: '流程与等候',
  service_attitude: '服务态度',
  other: '其他',
}
const charts = {}

// A date as the hospital's calendar has it (UTC+8), whatever the time zone of this computer.
function hospitalDay(ms) {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
}
// The last seven days by default, filled only into empty fields: dates typed before this script ran stay.
if (!$('to').value) $('to').value = hospitalDay(Date.now())
if (!$('from').value) $('from').value = hospitalDay(Date.now() - 6 * 86_400_000)
// Each load is numbered; only the latest one draws, so a slow earlier answer never overwrites a newer range.
let latest = 0

function range() {
  // Whole days in the hospital's time zone (UTC+8): from 00:00 of the first to 24:00 of the last.
  const from = new Date(`${$('from').value}T00:00:00+08:00`)
  const to = new Date(new Date(`${$('to').value}T00:00:00+08:00`).getTime() + 86_400_000)
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`
}

function chart(id, option) {
  charts[id] ??= echarts.init($(id))
  // No animation: the figures are read at once, and a screenshot never catches a bar half-grown.
  charts[id].setOption({ ...option, animation: false }, true)
}
const bar = (labels, values, color) => ({
  grid: { left: 48, right: 16, top: 16, bottom: 60 },
  tooltip: {},
  xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 8 ? 45 : 0 } },
  yAxis: { type: 'value', minInterval: 1 },
  series: [{ type: 'bar', data: values, itemStyle: { color } }],
})

async function load() {
  if (!token) {
    location.href = '/admin'
    return
  }
  const mine = ++latest
  const res = await fetch(`/api/admin/dashboard?${range()}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.status === 401 || res.status === 403) {
    location.href = '/admin'
    return
  }
  const d = await res.json()
  if (mine !== latest) return
  if (!res.ok) {
    $('errors').textContent = d.error?.message || '加载失败'
    return
  }
  $('errors').textContent = ''
  const rate = d.nightResponse.rate
  $('kpi-night').textContent =
    `${(rate * 100).toFixed(1)}%（目标 ${(d.nightResponse.target * 100).toFixed(0)}%）`
  $('kpi-night').style.color = rate >= d.nightResponse.target ? '#1b5e20' : '#c62828'
  $('kpi-messages').textContent = String(d.messages)
  $('kpi-handoffs').textContent = `${d.handoffs.count}（超时 ${d.handoffs.firstResponseBreached}）`
  $('kpi-wait').textContent = `${d.handoffs.waitMinutes.median ?? '—'} / ${d.handoffs.waitMinutes.p90 ?? '—'}`
  chart(
    'chart-hours',
    bar(
      d.messagesByHour.map((_, h) => `${h}时`),
      d.messagesByHour,
      '#0b6e4f',
    ),
  )
  chart(
    'chart-intents',
    bar(
      d.intents.map((i) => i.intent),
      d.intents.map((i) => i.count),
      '#1565c0',
    ),
  )
  chart('chart-actions', {
    tooltip: {},
    series: [
      {
        type: 'pie',
        radius: '65%',
        data: Object.entries(d.actions).map(([k, v]) => ({ name: ACTION[k], value: v })),
      },
    ],
  })
  chart(
    'chart-satisfaction',
    bar(
      ['1分', '2分', '3分', '4分', '5分'],
      ['1', '2', '3', '4', '5'].map((k) => d.satisfaction[k]),
      '#f9a825',
    ),
  )
  chart(
    'chart-complaints',
    bar(
      Object.keys(d.complaints).map((k) => COMPLAINT[k] || k),
      Object.values(d.complaints),
      '#c62828',
    ),
  )
  chart(
    'chart-handoffs',
    bar(
      ['首次回复 中位', '首次回复 90%', '办结 中位', '办结 90%'],
      [
        d.handoffs.waitMinutes.median,
        d.handoffs.waitMinutes.p90,
        d.handoffs.resolutionMinutes.median,
        d.handoffs.resolutionMinutes.p90,
      ].map((x) => x ?? 0),
      '#6a1b9a',
    ),
  )
  document.body.dataset.loaded = 'true'
}

$('refresh').addEventListener('click', () =>
  load().catch((e) => {
    $('errors').textContent = e.message
  }),
)
$('csv').addEventListener('click', async (e) => {
  e.preventDefault()
  const res = await fetch(`/api/admin/dashboard.csv?${range()}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(await res.blob())
  a.download = 'nightdesk-dashboard.csv'
  a.click()
})
window.addEventListener('resize', () => {
  for (const c of Object.values(charts)) c.resize()
})
load().catch((e) => {
  $('errors').textContent = e.message
})
