// dashboard.js: braid's live dashboard. Reads the state over the HTTP API
// with a bearer token (the read-only viewer token from the URL fragment
// that `braid serve` prints, or one typed in), then follows /v1/events (a
// fetch stream, so the token travels in a header) and redraws when
// anything happens. Everything is drawn with textContent: no HTML from data.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = 'braid-token';
  let token = null;
  let lastSeq = null;
  let abort = null;
  let refreshTimer = null;
  let retryTimer = null;
  let hasLocks = true;

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'title') e.title = v;
      else e.dataset[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function tag(text, cls) { return el('span', { class: 'tag ' + (cls || text) }, text); }
  function short(id, n = 12) { return id ? String(id).slice(0, n) : ''; }
  function time(ms) { return ms ? new Date(ms).toLocaleTimeString() : ''; }

  function takeToken() {
    const m = location.hash.match(/token=([^&]+)/);
    if (m) {
      sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(KEY);
  }

  async function api(path) {
    const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    let body = {};
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const e = new Error((body.error && body.error.message) || r.statusText);
      e.status = r.status;
      throw e;
    }
    return body;
  }

  function fill(tableId, rows, emptyId) {
    const tbody = $(tableId).querySelector('tbody');
    tbody.replaceChildren(...rows);
    if (emptyId) $(emptyId).hidden = rows.length > 0;
    $(tableId).hidden = rows.length === 0 && !!emptyId;
  }

  function drawStatus(st) {
    $('repo').textContent = `${st.root} → ${st.target}`;
    $('landed').textContent = st.counters.landed;
    $('auto-merged').textContent = st.counters.auto_merged;
    $('conflicted').textContent = st.counters.conflicted;
    $('queued').textContent = st.queue.length;
    $('open-conflicts').textContent = st.open_conflicts;
    $('agents').replaceChildren(...st.agents.filter((a) => a.role !== 'system').map((a) =>
      el('li', { agent: a.name, title: a.id }, a.name, el('span', { class: 'role' }, a.role))));
    fill('workspaces', st.workspaces.map((w) => el('tr', { workspace: w.id },
      el('td', { class: 'mono' }, w.id),
      el('td', {}, w.agent),
      el('td', { class: 'mono' }, short(w.change)),
      el('td', {}, w.error ? tag('error', 'failed') : tag(w.state || '?', w.state)),
      el('td', {}, w.dirty ? tag(`${w.dirty_files} edited`, 'dirty') : null,
        w.behind ? tag('behind main', 'behind') : null, w.error || null))));
    fill('queue', st.queue.map((s) => el('tr', {},
      el('td', {}, s.id), el('td', {}, s.agent || ''), el('td', {}, tag(s.state)),
      el('td', {}, s.message || ''))), 'queue-empty');
  }

  function drawConflicts(list) {
    fill('conflicts', list.conflicts.map((c) => el('tr', { conflict: c.id },
      el('td', { class: 'mono' }, c.id), el('td', {}, c.agent || ''), el('td', {}, tag(c.state)),
      el('td', {}, c.files.map((f) => `${f.path} (${f.kind})`).join(', ')))), 'conflicts-empty');
  }

  function drawLocks(t) {
    const rows = t.held.map((h) => el('tr', {},
      el('td', { class: 'mono' }, h.target), el('td', {}, h.level),
      el('td', {}, h.agent, h.activity ? ` — ${h.activity}` : '', h.yield_by ? tag('yielding', 'behind') : null),
      el('td', {}, time(h.yield_by || h.expires_at))));
    for (const w of t.waiting)
      rows.push(el('tr', {}, el('td', { class: 'mono' }, w.target), el('td', {}, w.level),
        el('td', {}, `${w.agent} waits (#${w.position})`), el('td', {}, '')));
    fill('locks', rows, 'locks-empty');
  }

  async function refresh() {
    const st = await api('/v1/status');
    drawStatus(st);
    drawConflicts(await api('/v1/conflicts?state=all'));
    if (hasLocks) {
      try { drawLocks(await api('/v1/locks')); } catch (e) { if (e.status === 404) hasLocks = false; }
    }
    return st;
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh().catch(showError), 150);
  }

  const describe = {
    'landed': (d) => `${d.agent} landed submission #${d.submission}${d.merged_regions ? ' (merged with others\' work)' : ''}: ${(d.files || []).join(', ')}`,
    'conflicted': (d) => `${d.agent}'s submission #${d.submission} conflicts with main (conflict ${d.conflict})`,
    'resolved': (d) => `${d.agent} resolved conflict ${d.conflict}`,
    'workspace.behind': (d) => `workspace ${d.workspace} (${d.agent}) is behind main`,
    'workspace.created': (d) => `${d.agent} got workspace ${d.workspace}`,
    'workspace.removed': (d) => `workspace ${d.workspace} removed`,
    'workspace.updated': (d) => `${d.agent} updated ${d.workspace} onto main`,
    'agent.added': (d) => `agent ${d.name} added (${d.role})`,
    'snapshot': (d) => `${d.agent} snapshotted ${d.workspace}`,
    'lock.granted': (d) => `${d.agent} holds ${(d.targets || []).map((t) => `${t.target || t} ${t.level || ''}`).join(', ')}`,
    'lock.queued': (d) => `${d.agent} waits for ${(d.targets || []).map((t) => t.target || t).join(', ')}`,
    'lock.released': (d) => `${d.agent} released ${(d.released || []).map((t) => t.target || t).join(', ')}`,
    'lock.preempted': (d) => `${d.agent} preempted ${(d.preempted || []).map((t) => t.target).join(', ')}`,
    'lock.lost': (d) => `leases ended: ${(d.ended || []).map((t) => `${t.target} (${t.reason})`).join(', ')}`,
  };

  function addFeed(event, data, seq) {
    const fn = describe[event];
    if (!fn) return;
    let text;
    try { text = fn(data); } catch (_) { text = event; }
    const cls = event.replace('workspace.', '').replace('.', '-');
    const li = el('li', { class: cls, event, seq: String(seq) },
      el('span', { class: 'when' }, time(data.at) || time(Date.now())),
      el('span', { class: 'ev' }, event), text);
    const feed = $('feed');
    feed.prepend(li);
    while (feed.children.length > 200) feed.lastChild.remove();
  }

  function setConn(on) {
    $('conn').textContent = on ? 'live' : 'reconnecting';
    $('conn').className = 'pill ' + (on ? 'on' : 'off');
  }

  async function stream() {
    clearTimeout(retryTimer);
    if (abort) abort.abort();
    abort = new AbortController();
    const q = lastSeq !== null ? `?after=${lastSeq}` : '';
    try {
      const r = await fetch('/v1/events' + q, {
        headers: { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' },
        signal: abort.signal, cache: 'no-store',
      });
      if (!r.ok || !r.body) throw new Error('event stream: ' + r.status);
      setConn(true);
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let id = null, event = 'message', data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) id = Number(line.slice(4));
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (id !== null && !Number.isNaN(id)) lastSeq = Math.max(lastSeq || 0, id);
          if (event === 'hello' || !data) continue;
          let d = {};
          try { d = JSON.parse(data); } catch (_) { continue; }
          if (event === 'lagged') { scheduleRefresh(); continue; }
          addFeed(event, d, id);
          if (event !== 'op') scheduleRefresh();
        }
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
    }
    setConn(false);
    retryTimer = setTimeout(stream, 2000);
  }

  function showError(e) {
    if (e && e.status === 401) {
      sessionStorage.removeItem(KEY);
      showLogin('that token is not accepted (' + e.message + ')');
    }
  }

  function showLogin(msg) {
    if (abort) abort.abort();
    $('board').hidden = true;
    $('logout').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = msg || '';
    $('token').focus();
  }

  async function start() {
    try {
      const st = await refresh();
      $('login').hidden = true;
      $('board').hidden = false;
      $('logout').hidden = false;
      // replay the last few dozen ops into the feed, then follow live
      lastSeq = Math.max(0, (st.last_seq || 0) - 40);
      stream();
    } catch (e) {
      if (e.status === 401) showError(e);
      else showLogin('cannot reach braid: ' + e.message);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = $('token').value.trim();
      if (!token) return;
      sessionStorage.setItem(KEY, token);
      $('token').value = '';
      start();
    });
    $('logout').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      token = null;
      showLogin('');
    });
    token = takeToken();
    if (token) start();
    else showLogin('');
  });
})();
