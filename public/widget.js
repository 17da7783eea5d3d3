/*
 * NightDesk web chat widget. One tag on any page:
 *   <script src="https://HOST/widget.js" data-lang="zh" defer></script>
 * data-server (default: where this script came from), data-lang (zh, en… any language in intents/),
 * data-title. The server fills in each language's words (see TEXT below).
 * Everything lives in a shadow root, so no CSS leaks in or out; patient and agent text is rendered
 * as text, never as HTML. Talks over WebSocket (/ws), falls back to POST /api/chat, reconnects with
 * backoff, and keeps one session id per browser so the conversation survives reloads and restarts.
 */
;(function () {
  'use strict'
  var script = document.currentScript
  if (!script || window.__nightdeskWidget) return
  window.__nightdeskWidget = true

  var server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/$/, '')
  // Each language's words, filled in by the server from intents/<code>/language.yaml (routes/widget.ts).
  var TEXT = /*LABELS*/ {}
  var CODES = Object.keys(TEXT)
  var saved = localStorage.getItem('nd-lang')
  var lang = TEXT[saved] ? saved : TEXT[script.dataset.lang] ? script.dataset.lang : CODES[0]
  // The switch offers the next language, named in its own words.
  var nextLang = function () {
    return CODES[(CODES.indexOf(lang) + 1) % CODES.length]
  }
  var t = function (key) {
    return key === 'title' && script.dataset.title ? script.dataset.title : TEXT[lang][key]
  }
  var sessionToken = localStorage.getItem('nd-session-token')
  var sessionId = localStorage.getItem('nd-session')
  function newSession() {
    sessionId =
      window.crypto && crypto.randomUUID
        ? crypto.randomUUID()
        : String(Date.now()) + Math.random().toString(36).slice(2)
    localStorage.setItem('nd-session', sessionId)
    sessionToken = null
    localStorage.removeItem('nd-session-token')
  }
  if (!sessionId) newSession()
  // The conversation's latest token: every later message and read must show it (it rotates).
  function keepToken(token) {
    if (!token) return
    sessionToken = token
    localStorage.setItem('nd-session-token', token)
  }

  var CSS = [
    ':host { all: initial; }',
    '* { box-sizing: border-box;',
    '  font-family: "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }',
    '.launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; font-size: 18px;',
    '  padding: 14px 20px; border: 0; border-radius: 28px; background: #0b6e4f; color: #fff;',
    '  box-shadow: 0 4px 12px rgba(0,0,0,.25); cursor: pointer; }',
    '.panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483001;',
    '  width: min(380px, calc(100vw - 16px)); height: min(620px, calc(100vh - 32px)); display: flex;',
    '  flex-direction: column; background: #fff; color: #1a1a1a; border-radius: 12px;',
    '  box-shadow: 0 8px 28px rgba(0,0,0,.3); overflow: hidden; font-size: 18px; line-height: 1.5; }',
    '@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh;',
    '  border-radius: 0; } }',
    '.panel[hidden], .launcher[hidden] { display: none; }',
    'header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #0b6e4f;',
    '  color: #fff; }',
    'header h2 { flex: 1; margin: 0; font-size: 19px; }',
    'header button { font-size: 15px; background: transparent; color: #fff;',
    '  border: 1px solid rgba(255,255,255,.6); border-radius: 6px; padding: 4px 10px; cursor: pointer; }',
    '.log { flex: 1; overflow-y: auto; padding: 12px; margin: 0; list-style: none; background: #f6f7f8; }',
    '.msg { margin: 8px 0; padding: 10px 12px; border-radius: 12px; max-width: 85%; white-space: pre-wrap;',
    '  word-break: break-word; }',
    '.msg .who { display: block; font-size: 13px; color: #555; }',
    '.patient { background: #0b6e4f; color: #fff; margin-left: auto; }',
    '.patient .who { color: #d8f3e8; }',
    '.bot { background: #fff; border: 1px solid #e0e0e0; }',
    '.agent { background: #e8f1fd; border: 1px solid #b9d3f6; }',
    '.system { background: #fff8e1; margin: 8px auto; font-size: 16px; }',
    '.chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 6px 12px; }',
    '.chips button { font-size: 16px; padding: 6px 12px; border-radius: 16px; border: 1px solid #0b6e4f;',
    '  background: #fff; color: #0b6e4f; cursor: pointer; }',
    '.status { min-height: 1.5em; padding: 0 12px; font-size: 15px; color: #8a4b00; }',
    'form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e0e0e0; }',
    'textarea { flex: 1; font-size: 18px; padding: 8px; border: 1px solid #bbb; border-radius: 8px;',
    '  resize: none; }',
    'form button { font-size: 18px; padding: 8px 16px; border: 0; border-radius: 8px; background: #0b6e4f;',
    '  color: #fff; cursor: pointer; }',
    'button:focus-visible, textarea:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }',
    '.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }',
  ].join('\n')

  var host = document.createElement('div')
  host.setAttribute('data-nightdesk', '')
  document.body.appendChild(host)
  var root = host.attachShadow({ mode: 'open' })
  try {
    var sheet = new CSSStyleSheet()
    sheet.replaceSync(CSS)
    root.adoptedStyleSheets = [sheet]
  } catch (e) {
    var style = document.createElement('style')
    style.textContent = CSS
    root.appendChild(style)
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag)
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k]
      else if (k === 'hidden') node.hidden = attrs[k]
      else node.setAttribute(k, attrs[k])
    })
    ;(children || []).forEach(function (c) {
      node.appendChild(c)
    })
    return node
  }

  var launcher = el('button', { class: 'launcher', type: 'button', 'aria-haspopup': 'dialog' })
  var title = el('h2', { id: 'nd-title' })
  var langBtn = el('button', { type: 'button', class: 'lang' })
  var closeBtn = el('button', { type: 'button', class: 'close' })
  var log = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'nd-title' })
  var chips = el('div', { class: 'chips', role: 'group' })
  var status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' })
  var label = el('label', { for: 'nd-input', class: 'sr-only' })
  var input = el('textarea', { id: 'nd-input', rows: '2', maxlength: '2000' })
  var sendBtn = el('button', { type: 'submit' })
  var form = el('form', {}, [label, input, sendBtn])
  var panel = el('section', { class: 'panel', role: 'dialog', 'aria-labelledby': 'nd-title', hidden: true }, [
    el('header', {}, [title, langBtn, closeBtn]),
    log,
    chips,
    status,
    form,
  ])
  root.appendChild(launcher)
  root.appendChild(panel)

  function applyLanguage() {
    launcher.textContent = t('open')
    title.textContent = t('title')
    langBtn.textContent = TEXT[nextLang()].name
    langBtn.hidden = CODES.length < 2
    closeBtn.textContent = t('close')
    closeBtn.setAttribute('aria-label', t('close'))
    label.textContent = t('input')
    input.setAttribute('placeholder', t('placeholder'))
    sendBtn.textContent = t('send')
    panel.setAttribute('lang', t('htmlLang') || lang)
  }

  function add(role, text) {
    var who = { patient: t('you'), bot: t('bot'), agent: t('agent'), system: '' }[role]
    var li = el('li', { class: 'msg ' + role }, who ? [el('span', { class: 'who', text: who })] : [])
    li.appendChild(document.createTextNode(text))
    log.appendChild(li)
    log.scrollTop = log.scrollHeight
  }

  function showChips(items) {
    chips.replaceChildren.apply(
      chips,
      (items || []).map(function (s) {
        var b = el('button', { type: 'button', text: s })
        b.addEventListener('click', function () {
          send(s)
        })
        return b
      }),
    )
  }

  function askRating() {
    chips.setAttribute('aria-label', t('rate'))
    showChips(['5', '4', '3', '2', '1'])
  }

  function onReply(r) {
    typing(false)
    // The patient wrote in another language than the switch shows: the widget follows the conversation.
    if (r.lang && r.lang !== lang && TEXT[r.lang]) setLanguage(r.lang)
    add('bot', r.reply)
    if (r.action === 'handoff') {
      handedOff = true
      idle()
    }
    if (r.intent === 'thanks_goodbye') askRating()
    else showChips(r.suggestions)
  }

  // What the status line says when nothing is happening: that a person will answer, while one will.
  var handedOff = false
  function idle() {
    status.textContent = handedOff ? t('handoff') : ''
  }

  var typingTimer
  function typing(on) {
    clearTimeout(typingTimer)
    if (on) {
      status.textContent = t('typing')
      typingTimer = setTimeout(function () {
        typing(false)
      }, 6000)
    } else if (status.textContent === t('typing')) idle()
  }

  // WebSocket with reconnect and backoff; HTTP when the socket is not open.
  var ws = null
  var backoff = 500
  var pending = {}
  // Messages a restarting server refused (ND_SHUTTING_DOWN): sent again once reconnected.
  var retry = []
  var seq = 0
  function connect() {
    ws = new WebSocket(server.replace(/^http/, 'ws') + '/ws?sessionId=' + encodeURIComponent(sessionId))
    ws.onopen = function () {
      // The token goes in a frame, not the URL, so it stays out of proxies' access logs.
      if (sessionToken) ws.send(JSON.stringify({ type: 'auth', token: sessionToken }))
      if (status.textContent === t('offline')) {
        status.textContent = t('reconnected')
        setTimeout(function () {
          if (status.textContent === t('reconnected')) idle()
        }, 3000)
      }
      backoff = 500
      retry.splice(0).forEach(function (text) {
        transmit(text)
      })
    }
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data)
      if (m.type === 'ready') keepToken(m.sessionToken)
      else if (m.type === 'reply') {
        delete pending[m.id]
        keepToken(m.sessionToken)
        onReply(m)
      } else if (m.type === 'agent') {
        typing(false)
        add('agent', m.text)
      } else if (m.type === 'system') {
        add('system', m.text)
        if (m.action === 'handBack' || m.action === 'close') {
          handedOff = false
          idle()
          askRating()
        }
      } else if (m.type === 'typing') typing(true)
      else if (m.type === 'error' && m.error && m.error.code === 'ND_SHUTTING_DOWN' && pending[m.id]) {
        retry.push(pending[m.id])
        delete pending[m.id]
      } else if (m.type === 'error' && m.error && m.error.code === 'ND_SESSION_TOKEN_REQUIRED') {
        // This browser lost the conversation's token (storage cleared, another server): the message
        // goes to a new conversation instead of being refused.
        if (pending[m.id]) retry.push(pending[m.id])
        delete pending[m.id]
        newSession()
        ws.close()
      } else if (m.type === 'error') {
        status.textContent = m.error && m.error.message ? m.error.message : t('failed')
      }
    }
    ws.onclose = function () {
      status.textContent = t('offline')
      setTimeout(connect, backoff)
      backoff = Math.min(backoff * 2, 10000)
    }
  }

  var lastSent = 0
  function send(text) {
    text = String(text || '').trim()
    if (!text) return
    if (text.length > 2000) {
      status.textContent = t('tooLong')
      return
    }
    // At most one message a second (a stuck key does not flood the hospital); a quick second message
    // waits its turn instead of being lost.
    var wait = lastSent + 1000 - Date.now()
    if (wait > 0) {
      setTimeout(function () {
        send(text)
      }, wait)
      return
    }
    lastSent = Date.now()
    add('patient', text)
    showChips([])
    transmit(text)
  }

  function transmit(text, again) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      var id = 'm' + ++seq
      pending[id] = text
      ws.send(JSON.stringify({ type: 'message', id: id, text: text, lang: lang }))
    } else {
      fetch(server + '/api/chat', {
        method: 'POST',
        headers: sessionToken
          ? { 'content-type': 'application/json', 'x-session-token': sessionToken }
          : { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: sessionId, text: text, channel: 'web', lang: lang }),
      })
        .then(function (r) {
          return r.json().then(function (b) {
            if (!r.ok) throw b.error || {}
            return b
          })
        })
        .then(function (b) {
          keepToken(b.sessionToken)
          onReply(b)
        })
        .catch(function (err) {
          // As on the socket: a conversation this browser cannot prove goes on as a new one.
          if (err && err.code === 'ND_SESSION_TOKEN_REQUIRED' && !again) {
            newSession()
            return transmit(text, true)
          }
          status.textContent = (err && err.message) || t('failed')
        })
    }
  }

  function restore() {
    if (!sessionToken) {
      add('system', t('welcome'))
      return Promise.resolve()
    }
    return fetch(server + '/api/chat/' + encodeURIComponent(sessionId) + '/history', {
      headers: { 'x-session-token': sessionToken },
    })
      .then(function (r) {
        return r.ok ? r.json() : { messages: [] }
      })
      .then(function (h) {
        if (!h.messages.length) add('system', t('welcome'))
        h.messages.forEach(function (m) {
          add(m.role, m.text)
        })
        if (h.handoff) {
          handedOff = true
          idle()
        }
      })
      .catch(function () {
        add('system', t('welcome'))
      })
  }

  // The panel stays open across reloads if the patient left it open.
  function open() {
    panel.hidden = false
    launcher.hidden = true
    localStorage.setItem('nd-open', '1')
    input.focus()
  }
  launcher.addEventListener('click', open)
  closeBtn.addEventListener('click', function () {
    panel.hidden = true
    launcher.hidden = false
    localStorage.setItem('nd-open', '0')
    launcher.focus()
  })
  panel.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') closeBtn.click()
  })
  function setLanguage(code) {
    lang = code
    localStorage.setItem('nd-lang', lang)
    applyLanguage()
  }
  langBtn.addEventListener('click', function () {
    setLanguage(nextLang())
  })
  form.addEventListener('submit', function (e) {
    e.preventDefault()
    send(input.value)
    input.value = ''
  })
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault()
      form.requestSubmit()
    }
  })

  applyLanguage()
  restore().then(connect)
  if (localStorage.getItem('nd-open') === '1') open()
})()
