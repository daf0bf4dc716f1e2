// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests of web/lib/sylkrtc.mjs against a fake WebSocket, fake timers
// and a fake RTCPeerConnection: `node --test web/test/` (make web-test).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Connection, md5, ha1, normalizeUri } from '../lib/sylkrtc.mjs';

// ---- fakes ---------------------------------------------------------------------------

class FakeTimers {
  constructor() { this.now = 0; this.list = []; this.seq = 0; }
  setTimeout = (fn, ms) => { const id = ++this.seq; this.list.push({ id, at: this.now + ms, fn }); return id; };
  clearTimeout = (id) => { this.list = this.list.filter((t) => t.id !== id); };
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      this.list.sort((a, b) => a.at - b.at);
      const t = this.list[0];
      if (!t || t.at > end) break;
      this.list.shift();
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
}

function fakeSocketClass() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url, protocol) {
      this.url = url;
      this.protocol = protocol;
      this.sent = [];
      this.closed = false;
      sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.closed = true; }
    // server side
    push(obj) { this.onmessage({ data: JSON.stringify(obj) }); }
    drop(code = 1006) { this.onclose({ code }); }
    last(type) { return [...this.sent].reverse().find((m) => m.sylkrtc === type); }
    all(type) { return this.sent.filter((m) => m.sylkrtc === type); }
    ackAll() {
      for (const m of this.sent) if (!m.acked) { m.acked = true; this.push({ sylkrtc: 'ack', transaction: m.transaction }); }
    }
  }
  return { FakeWebSocket, sockets };
}

class FakePc {
  constructor(config) {
    this.config = config;
    this.signalingState = 'stable';
    this.connectionState = 'new';
    this.tracks = [];
    this.transceivers = [];
    this.remote = null;
    this.localDescription = null;
    FakePc.made.push(this);
  }
  addTrack(t) { this.tracks.push(t); this.transceivers.push({ direction: 'sendrecv', stopped: false }); }
  addTransceiver(kind, init) { this.transceivers.push({ kind, direction: init.direction, stopped: false }); }
  getTransceivers() { return this.transceivers; }
  async createOffer() { return { type: 'offer', sdp: `v=0 offer ${this.transceivers.map((t) => t.direction).join(',')}` }; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0 answer' }; }
  async setLocalDescription(d) { this.localDescription = d; this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable'; }
  async setRemoteDescription(d) { this.remote = d; this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable'; }
  close() { this.closed = true; }
  candidate(c) { this.onicecandidate({ candidate: c ? { candidate: c, sdpMLineIndex: 0, sdpMid: '0' } : null }); }
}
FakePc.made = [];

const tick = () => new Promise((r) => setImmediate(r));

async function ready(opts = {}, urls = 'ws://x/webrtcgateway/ws') {
  const { FakeWebSocket, sockets } = fakeSocketClass();
  const timers = new FakeTimers();
  const conn = new Connection(urls, { WebSocket: FakeWebSocket, RTCPeerConnection: FakePc, timers, ...opts });
  const states = [];
  const errors = [];
  conn.on('state', (s) => states.push(s));
  conn.on('error', (e) => errors.push(e.message));
  const p = conn.connect();
  sockets[0].push({ sylkrtc: 'ready-event' });
  await p;
  return { conn, ws: sockets[0], sockets, timers, states, errors };
}

// answers the last request of a type with an ack (after a tick)
async function ackLast(ws, type) {
  await tick();
  const m = ws.last(type);
  assert.ok(m, `no ${type} sent`);
  ws.push({ sylkrtc: 'ack', transaction: m.transaction });
  await tick();
  return m;
}

async function account(t) {
  const p = t.conn.addAccount('sip:alice@sylk.test', 'alice123');
  await ackLast(t.ws, 'account-add');
  return p;
}

// ---- md5 -----------------------------------------------------------------------------------

test('md5 of the RFC 1321 vectors and the demo HA1', () => {
  assert.equal(md5(''), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(md5('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(md5('The quick brown fox jumps over the lazy dog'), '9e107d9d372bb6826bd81d3542a419d6');
  assert.equal(md5('x'.repeat(1000)), '398533d48111e9f664b1f64cb10c4b63');
  assert.equal(md5('\u00e9'), '66ddcd97cfdeabb2f6fb8a999b4bc76f');
  assert.equal(ha1('alice@sylk.test', 'alice123'), '1bef57eb39c9abc207964ffeb9455a14');
  assert.equal(normalizeUri(' SIP:bob@x '), 'bob@x');
});

// ---- connection ---------------------------------------------------------------------------

test('connects with sylkRTC-2, acks resolve, errors reject with the server text', async () => {
  const t = await ready();
  assert.equal(t.ws.protocol, 'sylkRTC-2');
  assert.deepEqual(t.states, ['connecting', 'ready']);
  const ok = t.conn.request('ping');
  await ackLast(t.ws, 'ping');
  await ok;
  const bad = t.conn.request('account-register', { account: 'nobody@x' });
  const m = t.ws.last('account-register');
  t.ws.push({ sylkrtc: 'error', transaction: m.transaction, error: 'Unknown account specified for register: nobody@x' });
  await assert.rejects(bad, /Unknown account specified for register/);
  const slow = t.conn.request('ping', {}, { timeout: 100 });
  t.timers.advance(101);
  await assert.rejects(slow, /Timed out/);
});

test('pings every 5 s; a ping left unanswered reconnects with backoff and restores accounts', async () => {
  const t = await ready();
  const acc = await account(t);
  const reg = acc.register();
  await ackLast(t.ws, 'account-register');
  await reg;
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'registration-state', state: 'registered' });
  assert.equal(acc.registrationState, 'registered');
  t.timers.advance(5000);
  assert.equal(t.ws.all('ping').length, 1);
  await ackLast(t.ws, 'ping');
  t.timers.advance(5000);
  assert.equal(t.ws.all('ping').length, 2);
  const regStates = [];
  acc.on('registration-state', (s, why) => regStates.push([s, why]));
  t.timers.advance(10001);  // the second ping times out
  await tick();
  assert.equal(t.conn.state, 'reconnecting');
  assert.ok(t.ws.closed);
  assert.deepEqual(regStates[0], ['unregistered', 'Connection lost']);
  assert.ok(t.errors.some((e) => /No answer to ping; reconnecting in 1 s/.test(e)), t.errors);
  assert.equal(t.sockets.length, 1);
  t.timers.advance(1000);
  assert.equal(t.sockets.length, 2);
  // the second attempt fails too: twice the wait
  t.sockets[1].drop(1006);
  t.timers.advance(1999);
  assert.equal(t.sockets.length, 2);
  t.timers.advance(1);
  assert.equal(t.sockets.length, 3);
  const ws3 = t.sockets[2];
  ws3.push({ sylkrtc: 'ready-event' });
  await tick();
  assert.equal(t.conn.state, 'ready');
  const add = ws3.last('account-add');
  assert.equal(add.password, '1bef57eb39c9abc207964ffeb9455a14');
  await ackLast(ws3, 'account-add');
  await ackLast(ws3, 'account-register');
  // after a good connection the backoff starts over
  ws3.drop(1006);
  assert.ok(t.errors.some((e) => /Connection closed \(1006\); reconnecting in 1 s/.test(e)));
});

test('several servers: a dropped connection moves to the next one, accounts follow', async () => {
  const urls = ['ws://node1/webrtcgateway/ws', 'ws://node2/webrtcgateway/ws'];
  const t = await ready({}, 'ws://node1/webrtcgateway/ws, ws://node2/webrtcgateway/ws');
  assert.deepEqual(t.conn.urls, urls);
  assert.equal(t.sockets[0].url, urls[0]);
  const acc = await account(t);
  const reg = acc.register();
  await ackLast(t.ws, 'account-register');
  await reg;
  t.ws.drop(1006);
  assert.ok(t.errors.some((e) => /reconnecting to ws:\/\/node2\/webrtcgateway\/ws in 1 s/.test(e)), t.errors);
  t.timers.advance(1000);
  const ws2 = t.sockets[1];
  assert.equal(ws2.url, urls[1]);
  ws2.push({ sylkrtc: 'ready-event' });
  await tick();
  await ackLast(ws2, 'account-add');
  assert.equal(ws2.last('account-register').account, 'alice@sylk.test');
  await ackLast(ws2, 'account-register');
  // node2 dies too: node1, then node2 again, each after 1 s; once both
  // failed in a round, the wait doubles
  ws2.drop(1006);
  t.timers.advance(1000);
  assert.equal(t.sockets[2].url, urls[0]);
  t.sockets[2].drop(1006);
  t.timers.advance(1000);
  assert.equal(t.sockets[3].url, urls[1]);
  t.sockets[3].drop(1006);
  t.timers.advance(1999);
  assert.equal(t.sockets.length, 4);
  t.timers.advance(1);
  assert.equal(t.sockets[4].url, urls[0]);
  assert.throws(() => new Connection(' , '), /No server URL/);
});

test('close() stops for good', async () => {
  const t = await ready();
  t.conn.close();
  assert.equal(t.conn.state, 'closed');
  t.timers.advance(60000);
  assert.equal(t.sockets.length, 1);
  await assert.rejects(t.conn.request('ping'), /Not connected/);
});

// ---- calls ---------------------------------------------------------------------------------

test('outgoing call: create, trickle after it, answer applied, DTMF, hold re-INVITE, terminated reason', async () => {
  const t = await ready();
  const acc = await account(t);
  const stream = { getTracks: () => [{ kind: 'audio' }, { kind: 'video' }] };
  const p = acc.call('sip:bob@sylk.test', { stream });
  await tick();
  const pc = FakePc.made.at(-1);
  pc.candidate('candidate:1 1 udp 1 127.0.0.1 5000 typ host');  // before the create went out
  await tick();
  const create = t.ws.last('session-create');
  assert.equal(create.uri, 'bob@sylk.test');
  assert.equal(create.account, 'alice@sylk.test');
  assert.match(create.sdp, /offer/);
  const idxCreate = t.ws.sent.indexOf(create);
  t.timers.advance(50);
  const tr = t.ws.all('session-trickle');
  assert.equal(tr.length, 1);
  assert.ok(t.ws.sent.indexOf(tr[0]) > idxCreate);
  assert.equal(tr[0].candidates[0].candidate, 'candidate:1 1 udp 1 127.0.0.1 5000 typ host');
  pc.candidate(null);
  assert.deepEqual(t.ws.last('session-trickle').candidates, []);
  t.ws.push({ sylkrtc: 'ack', transaction: create.transaction });
  const call = await p;
  const states = [];
  call.on('state', (s, r) => states.push([s, r]));
  t.ws.push({ sylkrtc: 'session-event', session: call.id, event: 'state', state: 'ringing' });
  t.ws.push({ sylkrtc: 'session-event', session: call.id, event: 'state', state: 'accepted', sdp: 'v=0 answer-from-server' });
  await tick();
  assert.equal(pc.remote.sdp, 'v=0 answer-from-server');
  const dtmf = call.sendDtmf('1#', 100);
  const d = await ackLast(t.ws, 'session-dtmf-info');
  assert.equal(d.digit, '1#');
  assert.equal(d.duration, 100);
  await dtmf;
  const hold = call.hold();
  const upd = await ackLast(t.ws, 'session-update');
  await hold;
  assert.match(upd.sdp, /sendonly/);
  assert.equal(call.onHold, true);
  t.ws.push({ sylkrtc: 'session-event', session: call.id, event: 'update', state: 'accepted', sdp: 'v=0 hold-answer' });
  await tick();
  assert.equal(pc.remote.sdp, 'v=0 hold-answer');
  t.ws.push({ sylkrtc: 'session-event', session: call.id, event: 'state', state: 'terminated', reason: '200 to BYE' });
  assert.deepEqual(states.map((s) => s[0]), ['ringing', 'accepted', 'terminated']);
  assert.equal(states[2][1], '200 to BYE');
  assert.ok(pc.closed);
  assert.equal(t.conn.sessions.size, 0);
});

test('a refused call is terminated with the server error', async () => {
  const t = await ready();
  const acc = await account(t);
  const p = acc.call('carol@sylk.test');
  await tick();
  const m = t.ws.last('session-create');
  t.ws.push({ sylkrtc: 'error', transaction: m.transaction, error: 'Premium numbers are barred' });
  await assert.rejects(p, /Premium numbers are barred/);
});

test('incoming call: answered with session-answer; a re-INVITE from the far end is answered', async () => {
  const t = await ready();
  const acc = await account(t);
  let call;
  acc.on('incoming-call', (c) => { call = c; });
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'incoming-session', session: 'S1', originator: { uri: 'bob@sylk.test', display_name: 'Bob' }, sdp: 'v=0 offer-bob' });
  assert.equal(call.remoteIdentity, 'bob@sylk.test');
  assert.equal(call.remoteDisplayName, 'Bob');
  const ans = call.answer({ stream: { getTracks: () => [] } });
  const m = await ackLast(t.ws, 'session-answer');
  await ans;
  assert.equal(m.session, 'S1');
  assert.equal(FakePc.made.at(-1).remote.sdp, 'v=0 offer-bob');
  t.ws.push({ sylkrtc: 'session-event', session: 'S1', event: 'update', state: 'received', sdp: 'v=0 reoffer' });
  await tick(); await tick(); await tick();
  assert.equal(t.ws.last('session-update').session, 'S1');
  const term = call.terminate();
  await ackLast(t.ws, 'session-terminate');
  await term;
});

test('a lost connection ends calls with the reason', async () => {
  const t = await ready();
  const acc = await account(t);
  const p = acc.call('bob@sylk.test');
  await ackLast(t.ws, 'session-create');
  const call = await p;
  let reason;
  call.on('state', (s, r) => { if (s === 'terminated') reason = r; });
  t.ws.drop(1006);
  assert.equal(reason, 'Connection closed (1006)');
});

// ---- messaging and address book -------------------------------------------------------------

test('messages: send, dispositions, incoming, sync', async () => {
  const t = await ready();
  const acc = await account(t);
  const sent = acc.sendMessage('bob@sylk.test', 'hello');
  const m = await ackLast(t.ws, 'account-message');
  const { id } = await sent;
  assert.equal(m.message_id, id);
  assert.equal(m.content_type, 'text/plain');
  assert.ok(m.timestamp);
  assert.equal(m.metadata, undefined);
  const shared = acc.sendMessage('bob@sylk.test', 'PGP', 'application/sylk-location-sharing',
    { metadata: '{"action":"start",\r\n"version":"2.0"}' });
  const ms = await ackLast(t.ws, 'account-message');
  await shared;
  assert.equal(ms.metadata, '{"action":"start", "version":"2.0"}');
  const disp = [];
  acc.on('disposition', (d) => disp.push(d));
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'disposition-notification', message_id: id, state: 'delivered', code: 200, reason: 'OK' });
  assert.deepEqual(disp[0], { id, state: 'delivered', code: 200, reason: 'OK' });
  let got;
  acc.on('message', (msg) => { got = msg; });
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'message', message_id: 'M2', sender: { uri: 'bob@sylk.test' }, content: 'hi', content_type: 'text/plain', timestamp: 'T', disposition_notification: ['positive-delivery', 'display'], metadata: '{"a":1}' });
  assert.equal(got.content, 'hi');
  assert.equal(got.metadata, '{"a":1}');
  const dn = acc.sendDisposition('bob@sylk.test', 'M2', 'displayed');
  const d = await ackLast(t.ws, 'account-disposition-notification');
  await dn;
  assert.equal(d.state, 'displayed');
  assert.equal(d.message_id, 'M2');
  let synced;
  acc.on('sync-conversations', (list) => { synced = list; });
  const s = acc.syncConversations({ since: 'T0', limit: 10 });
  const sm = await ackLast(t.ws, 'account-sync-conversations');
  await s;
  assert.equal(sm.limit, 10);
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'sync-conversations', messages: [{ message_id: 'M2' }] });
  assert.equal(synced[0].message_id, 'M2');
});

test('address book: fetch resolves with the book, update names action and type', async () => {
  const t = await ready();
  const acc = await account(t);
  const f = acc.fetchAddressBook();
  await tick();
  t.ws.push({ sylkrtc: 'account-event', account: 'alice@sylk.test', event: 'addressbook-fetched', addressbook: { contacts: [{ id: 'c1', uri: 'bob@sylk.test' }], groups: [], policies: [] } });
  await ackLast(t.ws, 'account-fetch-addressbook');
  const book = await f;
  assert.equal(book.contacts[0].uri, 'bob@sylk.test');
  const u = acc.updateAddressBook('add', 'contact', { id: 'c2', uri: 'carol@sylk.test', name: 'Carol' });
  const m = await ackLast(t.ws, 'account-update-addressbook');
  await u;
  assert.equal(m.action, 'add');
  assert.equal(m.data.uri, 'carol@sylk.test');
});

// ---- video rooms ------------------------------------------------------------------------------

test('video room: join, answer applied, feeds attached and answered, chat, leave', async () => {
  const t = await ready();
  const acc = await account(t);
  const p = acc.joinRoom('demo@videoconference.sylk.test', { stream: { getTracks: () => [{ kind: 'video' }] } });
  const join = await ackLast(t.ws, 'videoroom-join');
  const room = await p;
  assert.equal(join.uri, 'demo@videoconference.sylk.test');
  assert.equal(join.session, room.id);
  t.ws.push({ sylkrtc: 'videoroom-event', session: room.id, event: 'session-state', state: 'accepted', sdp: 'v=0 room-answer' });
  await tick();
  assert.equal(room.pc.remote.sdp, 'v=0 room-answer');
  const joined = [];
  room.on('participant-joined', (pub) => joined.push(pub));
  t.ws.push({ sylkrtc: 'videoroom-event', session: room.id, event: 'initial-publishers', publishers: [{ id: 'P1', uri: 'sip:bob@sylk.test', display_name: 'Bob' }] });
  assert.equal(joined[0].uri, 'bob@sylk.test');
  const attach = await ackLast(t.ws, 'videoroom-feed-attach');
  assert.equal(attach.publisher, 'P1');
  t.ws.push({ sylkrtc: 'videoroom-event', session: room.id, event: 'feed-attached', feed: attach.feed, sdp: 'v=0 feed-offer' });
  const fa = await ackLast(t.ws, 'videoroom-feed-answer');
  assert.equal(fa.feed, attach.feed);
  assert.equal(FakePc.made.at(-1).remote.sdp, 'v=0 feed-offer');
  let chat;
  room.on('message', (m) => { chat = m; });
  t.ws.push({ sylkrtc: 'videoroom-event', session: room.id, event: 'message', type: 'normal', content: 'hi room', content_type: 'text/plain', sender: { uri: 'sip:bob@sylk.test' } });
  assert.equal(chat.content, 'hi room');
  const send = room.sendMessage('hello all');
  const vm = await ackLast(t.ws, 'videoroom-message');
  await send;
  assert.equal(vm.content, 'hello all');
  const left = [];
  room.on('participant-left', (pub) => left.push(pub.id));
  t.ws.push({ sylkrtc: 'videoroom-event', session: room.id, event: 'publishers-left', publishers: ['P1'] });
  assert.deepEqual(left, ['P1']);
  assert.equal(t.ws.last('videoroom-feed-detach').feed, attach.feed);
  const l = room.leave();
  await ackLast(t.ws, 'videoroom-leave');
  await l;
  assert.equal(room.state, 'terminated');
});
