// SPDX-License-Identifier: GPL-2.0-or-later
// The demo app served by the server (issue 19), on web/lib/sylkrtc.mjs.
// Every error, error reply and terminated reason is shown in #errors or in
// the call/room state lines, not only logged.

import { Connection, normalizeUri } from './lib/sylkrtc.mjs';
import { applyScreenNotice, linkParts, screenNotice } from './lib/chattext.mjs';

const $ = (id) => document.getElementById(id);
const DEMO_PASSWORDS = { alice: 'alice123', bob: 'bob123', carol: 'carol123' };

const app = { conn: null, account: null, call: null, room: null, messages: new Map(), screens: new Map() };
window.demo = app;  // for the curious (and the tests)

function showError(text) {
  const p = document.createElement('p');
  p.textContent = `${new Date().toLocaleTimeString()}: ${text}`;
  $('errors').prepend(p);
  while ($('errors').children.length > 8) $('errors').lastChild.remove();
}

function setText(id, text) { $(id).textContent = text; }

// chat text with its http(s) URLs as links (opened in a new tab); the
// text is only ever text, never HTML
function linkedText(el, text) {
  el.replaceChildren(...linkParts(text).map((p) => {
    if (!p.href) return document.createTextNode(p.text);
    const a = document.createElement('a');
    a.href = p.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = p.text;
    return a;
  }));
  return el;
}

function loggedIn(on) {
  for (const id of ['call-button', 'message-send', 'room-join', 'logout-button']) $(id).disabled = !on;
  $('login-button').disabled = on;
}

function defaultServer() {
  const secure = location.protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${location.host || '127.0.0.1:10888'}/webrtcgateway/ws`;
}

function domainOf(aor) { return aor.slice(aor.indexOf('@') + 1); }

async function media(video) {
  if (!navigator.mediaDevices) throw new Error('No camera or microphone access: open the page over https or from 127.0.0.1');
  return navigator.mediaDevices.getUserMedia({ audio: true, video });
}

// ---- log in ------------------------------------------------------------------------------

$('login-account').addEventListener('change', () => {
  const user = $('login-account').value.split('@')[0];
  if (DEMO_PASSWORDS[user]) $('login-password').value = DEMO_PASSWORDS[user];
});

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const account = normalizeUri($('login-account').value);
  if (!/^[^@\s]+@[^@\s]+$/.test(account)) { showError('The account must be user@domain'); return; }
  $('login-button').disabled = true;
  try {
    const conn = new Connection($('login-server').value || defaultServer());
    app.conn = conn;
    conn.on('state', (s, why) => setText('conn-state', why && s !== 'ready' ? `${s} (${why})` : s));
    conn.on('error', (e) => showError(e.message));
    await conn.connect();
    const acc = await conn.addAccount(account, $('login-password').value, { displayName: account.split('@')[0] });
    app.account = acc;
    acc.on('registration-state', (state, reason) => {
      setText('reg-state', reason ? `${state} (${reason})` : state);
      if (state === 'failed') showError(`Registration failed: ${reason || 'no reason given'}`);
    });
    acc.on('error', (e) => showError(e.message));
    acc.on('incoming-call', onIncoming);
    acc.on('missed-call', (o) => showError(`Missed call from ${o.uri || 'someone'}`));
    acc.on('message', onMessage);
    acc.on('disposition', onDisposition);
    acc.on('conference-invite', (i) => showError(`${i.originator && i.originator.uri ? i.originator.uri : 'Someone'} invites you to room ${i.room}`));
    setText('reg-state', 'registering');
    await acc.register();
    loggedIn(true);
    setText('room-state', `Not in a room. Rooms are NAME@videoconference.${domainOf(account)}`);
  } catch (e) {
    showError(`Log in failed: ${e.message}`);
    if (app.conn) app.conn.close();
    app.conn = null;
    $('login-button').disabled = false;
  }
});

$('logout-button').addEventListener('click', async () => {
  try {
    if (app.call) await app.call.terminate().catch(() => {});
    if (app.room) await app.room.leave().catch(() => {});
    if (app.account) await app.account.unregister().catch((e) => showError(`Unregister: ${e.message}`));
  } finally {
    if (app.conn) app.conn.close();
    app.conn = app.account = null;
    setText('reg-state', 'none');
    loggedIn(false);
  }
});

// ---- calls -------------------------------------------------------------------------------

function callButtons() {
  const c = app.call;
  $('answer-button').disabled = !(c && c.state === 'incoming');
  $('hangup-button').disabled = !c;
  $('hold-button').disabled = !(c && ['accepted', 'established'].includes(c.state));
  $('call-button').disabled = !!c || !app.account;
}

function attachCall(call) {
  app.call = call;
  call.on('state', (state, reason) => {
    setText('call-state', `Call ${call.direction === 'incoming' ? 'from' : 'to'} ${call.remoteIdentity}: ${state}${reason ? ` (${reason})` : ''}`);
    if (state === 'terminated') {
      if (reason && !/^200 to BYE$|^Left$/.test(reason)) showError(`Call with ${call.remoteIdentity} ended: ${reason}`);
      if (call.localStream) call.localStream.getTracks().forEach((t) => t.stop());
      $('local-video').srcObject = null;
      $('remote-video').srcObject = null;
      if (app.call === call) app.call = null;
    }
    callButtons();
  });
  call.on('track', (ev) => {
    const stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
    if ($('remote-video').srcObject !== stream) $('remote-video').srcObject = stream;
  });
  call.on('error', (e) => showError(e.message));
  call.on('hold', (on) => {
    $('hold-button').textContent = on ? 'Resume' : 'Hold';
    $('hold-button').setAttribute('aria-pressed', String(on));
  });
  callButtons();
}

$('call-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!app.account || app.call) return;
  let uri = normalizeUri($('call-uri').value);
  if (uri && !uri.includes('@')) uri += `@${domainOf(app.account.id)}`;
  $('call-button').disabled = true;
  try {
    const stream = await media($('call-video').checked);
    $('local-video').srcObject = stream;
    setText('call-state', `Calling ${uri}…`);
    const call = await app.account.call(uri, { stream });
    attachCall(call);
  } catch (e) {
    showError(`Call to ${uri} failed: ${e.message}`);
    setText('call-state', `Call to ${uri} failed: ${e.message}`);
    callButtons();
  }
});

function onIncoming(call) {
  if (app.call) {
    call.terminate().catch(() => {});
    showError(`Busy: declined a call from ${call.remoteIdentity}`);
    return;
  }
  attachCall(call);
  setText('call-state', `Incoming call from ${call.remoteDisplayName ? `${call.remoteDisplayName} <${call.remoteIdentity}>` : call.remoteIdentity}`);
  $('answer-button').focus();
}

$('answer-button').addEventListener('click', async () => {
  const call = app.call;
  if (!call) return;
  $('answer-button').disabled = true;
  try {
    const video = /m=video [1-9]/.test(call._offer || '');
    const stream = await media(video);
    $('local-video').srcObject = stream;
    await call.answer({ stream });
  } catch (e) {
    showError(`Answer failed: ${e.message}`);
  }
});

$('hangup-button').addEventListener('click', () => {
  if (app.call) app.call.terminate().catch((e) => showError(`Hang up: ${e.message}`));
});

$('hold-button').addEventListener('click', () => {
  const c = app.call;
  if (!c) return;
  (c.onHold ? c.unhold() : c.hold()).catch((e) => showError(`Hold: ${e.message}`));
});

$('dtmf').addEventListener('click', (ev) => {
  const digit = ev.target.dataset && ev.target.dataset.digit;
  if (!digit) return;
  if (!app.call) { showError('No call to send the tone to'); return; }
  app.call.sendDtmf(digit).catch((e) => showError(`DTMF: ${e.message}`));
});

// ---- messages -------------------------------------------------------------------------------

const MARKS = { accepted: '', delivered: '✓', displayed: '✓✓', failed: '✗', forbidden: '✗', error: '✗' };

function addMessage(id, who, text, outgoing) {
  const li = document.createElement('li');
  li.className = outgoing ? 'out' : 'in';
  li.dataset.id = id;
  const w = document.createElement('span');
  w.className = 'who';
  w.textContent = outgoing ? 'me →' : `${who}:`;
  const t = document.createElement('span');
  t.className = 'text';
  linkedText(t, text);
  li.append(w, t);
  if (outgoing) {
    const m = document.createElement('span');
    m.className = 'mark';
    m.dataset.state = 'sent';
    m.setAttribute('aria-label', 'sent');
    li.append(m);
  }
  $('message-list').append(li);
  li.scrollIntoView({ block: 'nearest' });
  app.messages.set(id, li);
  return li;
}

function onDisposition(d) {
  const li = app.messages.get(d.id);
  const mark = li && li.querySelector('.mark');
  if (!mark) return;
  // displayed wins over delivered, whatever order they come in
  if (mark.dataset.state === 'displayed' && d.state === 'delivered') return;
  if (d.state === 'accepted') return;
  mark.dataset.state = d.state;
  mark.textContent = MARKS[d.state] ?? d.state;
  mark.setAttribute('aria-label', d.state);
  if (['failed', 'forbidden', 'error'].includes(d.state)) {
    showError(`Message not delivered: ${d.code || ''} ${d.reason || d.state}`);
  }
}

function onMessage(m) {
  if (!/^text\//.test(m.contentType || '')) return;  // tokens, file transfers, IMDNs
  const from = normalizeUri(m.sender.uri);
  if (m.direction === 'outgoing') return;
  addMessage(m.id, m.sender.display_name || from, m.content, false);
  $('message-to').value ||= from;
  const wants = m.dispositionNotification || [];
  const acc = app.account;
  if (wants.includes('positive-delivery') || wants.includes('delivery')) {
    acc.sendDisposition(from, m.id, 'delivered').catch((e) => showError(`Delivery notice: ${e.message}`));
  }
  const displayed = () => acc.sendDisposition(from, m.id, 'displayed').catch((e) => showError(`Display notice: ${e.message}`));
  if (wants.includes('display')) {
    if (document.visibilityState === 'visible') displayed();
    else document.addEventListener('visibilitychange', function v() {
      if (document.visibilityState !== 'visible') return;
      document.removeEventListener('visibilitychange', v);
      displayed();
    });
  }
}

$('message-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!app.account) return;
  let to = normalizeUri($('message-to').value);
  if (to && !to.includes('@')) to += `@${domainOf(app.account.id)}`;
  const text = $('message-text').value;
  try {
    const { id } = await app.account.sendMessage(to, text);
    addMessage(id, to, text, true);
    $('message-text').value = '';
  } catch (e) {
    showError(`Message to ${to} failed: ${e.message}`);
  }
});

// ---- video room -------------------------------------------------------------------------------

function roomVideo(pub) {
  let fig = document.getElementById(`pub-${pub.id}`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.id = `pub-${pub.id}`;
    const v = document.createElement('video');
    v.autoplay = true;
    v.playsInline = true;
    v.setAttribute('aria-label', `Video of ${pub.displayName || pub.uri}`);
    const cap = document.createElement('figcaption');
    cap.textContent = pub.displayName || pub.uri;
    fig.append(v, cap);
    $('room-videos').append(fig);
  }
  return fig.querySelector('video');
}

function roomLine(who, text, cls) {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  const w = document.createElement('span');
  w.className = 'who';
  w.textContent = `${who}:`;
  const t = document.createElement('span');
  t.className = 'text';
  linkedText(t, text);
  li.append(w, t);
  $('room-chat').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

// the room pane's links to the screens shared in the room's chat (the
// focus announces each start and stop, conference/room/screen_share.h)
function showScreens() {
  $('room-screens').replaceChildren(...[...app.screens].map(([name, url]) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = `Screen shared by ${name}`;
    li.append(a);
    return li;
  }));
}

function roomMessage(m) {
  const status = m.type === 'status';
  roomLine(m.sender.display_name || normalizeUri(m.sender.uri), m.content, status ? 'status' : 'in');
  if (!status) return;
  const notice = screenNotice(m.content);
  if (notice) {
    applyScreenNotice(app.screens, notice);
    showScreens();
  }
}

function roomButtons() {
  const r = app.room;
  $('room-join').disabled = !!r || !app.account;
  $('room-leave').disabled = !r;
  $('room-chat-send').disabled = !r;
}

$('room-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!app.account || app.room) return;
  let uri = normalizeUri($('room-name').value.trim());
  if (!uri.includes('@')) uri += `@videoconference.${domainOf(app.account.id)}`;
  $('room-join').disabled = true;
  try {
    const stream = await media(true);
    setText('room-state', `Joining ${uri}…`);
    const room = await app.account.joinRoom(uri, { stream });
    app.room = room;
    const me = { id: room.id, displayName: 'Me' };
    const v = roomVideo(me);
    v.muted = true;
    v.srcObject = stream;
    room.on('state', (state, reason) => {
      setText('room-state', `Room ${uri}: ${state}${reason ? ` (${reason})` : ''}`);
      if (state === 'terminated') {
        if (reason && reason !== 'Left') showError(`Left room ${uri}: ${reason}`);
        stream.getTracks().forEach((t) => t.stop());
        $('room-videos').replaceChildren();
        app.screens.clear();
        showScreens();
        app.room = null;
        roomButtons();
      }
    });
    room.on('participant-joined', (pub) => { roomVideo(pub); roomLine(pub.displayName || pub.uri, 'joined', 'status'); });
    room.on('participant-stream', (pub) => { const el = roomVideo(pub); if (el.srcObject !== pub.stream) el.srcObject = pub.stream; });
    room.on('participant-left', (pub) => {
      document.getElementById(`pub-${pub.id}`)?.remove();
      roomLine(pub.displayName || pub.uri, 'left', 'status');
    });
    room.on('message', roomMessage);
    room.on('error', (e) => showError(e.message));
    roomButtons();
  } catch (e) {
    showError(`Joining ${uri} failed: ${e.message}`);
    setText('room-state', `Joining ${uri} failed: ${e.message}`);
    roomButtons();
  }
});

$('room-leave').addEventListener('click', () => {
  if (app.room) app.room.leave().catch((e) => showError(`Leave: ${e.message}`));
});

$('room-chat-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!app.room) return;
  const text = $('room-chat-text').value;
  try {
    await app.room.sendMessage(text);
    roomLine('me', text, 'out');
    $('room-chat-text').value = '';
  } catch (e) {
    showError(`Chat message failed: ${e.message}`);
  }
});

// ---- start -------------------------------------------------------------------------------------

$('login-server').value = defaultServer();
const q = new URLSearchParams(location.search);
if (q.get('account')) {
  $('login-account').value = q.get('account');
  const user = q.get('account').split('@')[0];
  if (DEMO_PASSWORDS[user]) $('login-password').value = DEMO_PASSWORDS[user];
}
window.addEventListener('unhandledrejection', (ev) => showError(String(ev.reason && ev.reason.message ? ev.reason.message : ev.reason)));
