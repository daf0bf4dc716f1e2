// SPDX-License-Identifier: GPL-2.0-or-later
// A small sylkRTC-2 client (docs/sylkrtc-protocol.md), written for this
// project's demo app: no build step, no dependencies, a plain ES module.
//
//   const conn = new Connection('wss://host:10443/webrtcgateway/ws');
//   // or several nodes of a cluster, tried in turn when a connection drops:
//   // new Connection(['wss://node1/webrtcgateway/ws', 'wss://node2/webrtcgateway/ws'])
//   conn.on('state', (s) => ...);            // connecting, ready, reconnecting, closed
//   await conn.connect();
//   const alice = await conn.addAccount('alice@sylk.test', 'alice123');
//   alice.on('registration-state', (state, reason) => ...);
//   await alice.register();
//   const call = await alice.call('bob@sylk.test', { stream });
//   call.on('state', (state, reason) => ...); call.on('track', (ev) => ...);
//   alice.on('incoming-call', (call) => call.answer({ stream }));
//
// Every request returns a promise: resolved on the server's `ack`, rejected
// with an Error whose message is the server's `error` text (or "Timed out",
// "Not connected"). The browser APIs it needs (WebSocket, RTCPeerConnection)
// can be injected, which is how the Node unit tests drive it.

import { ha1 } from './md5.mjs';

export { md5, ha1 } from './md5.mjs';

export const PROTOCOL = 'sylkRTC-2';

export function uuid() {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// minimal event emitter
export class Emitter {
  constructor() { this._handlers = new Map(); }
  on(name, fn) {
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(fn);
    return this;
  }
  off(name, fn) { this._handlers.get(name)?.delete(fn); return this; }
  once(name, fn) {
    const w = (...a) => { this.off(name, w); fn(...a); };
    return this.on(name, w);
  }
  emit(name, ...args) {
    for (const fn of [...(this._handlers.get(name) || [])]) {
      try { fn(...args); } catch (e) { if (name !== 'handler-error') this.emit('handler-error', e); }
    }
  }
}

// strips a sip: / sips: prefix
export function normalizeUri(uri) {
  return String(uri || '').trim().replace(/^sips?:/i, '');
}

// ---- connection -------------------------------------------------------------------------

export class Connection extends Emitter {
  constructor(urls, opts = {}) {
    super();
    // one URL, a list, or a string of them separated by spaces or commas
    this.urls = (Array.isArray(urls) ? urls : String(urls || '').split(/[\s,]+/)).filter(Boolean);
    if (!this.urls.length) throw new Error('No server URL');
    this.urlIndex = 0;
    this.WebSocket = opts.WebSocket || globalThis.WebSocket;
    this.RTCPeerConnection = opts.RTCPeerConnection || globalThis.RTCPeerConnection;
    this.pcConfig = opts.pcConfig || { iceServers: [] };
    this.pingInterval = opts.pingInterval ?? 5000;
    this.requestTimeout = opts.requestTimeout ?? 15000;
    this.reconnect = opts.reconnect ?? true;
    this.backoffMin = opts.backoffMin ?? 1000;
    this.backoffMax = opts.backoffMax ?? 30000;
    this.timers = opts.timers || { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis) };
    this.state = 'closed';
    this.ws = null;
    this.pending = new Map();   // transaction -> {resolve, reject, timer, type}
    this.accounts = new Map();  // account -> Account
    this.sessions = new Map();  // session id -> Call
    this.rooms = new Map();     // publisher or feed id -> Room
    this.attempts = 0;
    this._closing = false;
    this._pingTimer = null;
    this._retryTimer = null;
    this._ready = null;
  }

  // the server this connection uses now
  get url() { return this.urls[this.urlIndex]; }

  _setState(state, detail) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state, detail);
  }

  connect() {
    this._closing = false;
    if (this.state === 'ready') return Promise.resolve();
    if (this._ready) return this._ready.promise;
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    this._ready = { promise, resolve, reject };
    this._open();
    return promise;
  }

  _open() {
    this._setState(this.attempts ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new this.WebSocket(this.url, PROTOCOL);
    } catch (e) {
      this.emit('error', new Error(`Cannot open ${this.url}: ${e.message}`));
      this._lost('Cannot open the connection');
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => this._onMessage(ev.data);
    ws.onerror = () => this.emit('error', new Error(`WebSocket error on ${this.url}`));
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const why = ev && ev.code && ev.code !== 1000 ? `Connection closed (${ev.code}${ev.reason ? ' ' + ev.reason : ''})` : 'Connection closed';
      this._lost(why);
    };
  }

  _lost(why) {
    this._stopPing();
    for (const [, p] of this.pending) {
      this.timers.clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    this.pending.clear();
    // the server hangs every call and room of the connection up
    for (const call of [...this.sessions.values()]) call._terminated(why);
    for (const room of new Set(this.rooms.values())) room._terminated(why);
    for (const acc of this.accounts.values()) acc._connectionLost();
    if (this._closing || !this.reconnect) {
      this._setState('closed', why);
      if (this._ready) { this._ready.reject(new Error(why)); this._ready = null; }
      return;
    }
    // the next server of the list (a node that died stays dead for a
    // while); the wait grows once every server has been tried
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const rounds = Math.floor(this.attempts / this.urls.length);
    const delay = Math.min(this.backoffMax, this.backoffMin * 2 ** Math.min(rounds, 16));
    this.attempts += 1;
    this._setState('reconnecting', why);
    const where = this.urls.length > 1 ? ` to ${this.url}` : '';
    this.emit('error', new Error(`${why}; reconnecting${where} in ${Math.round(delay / 1000)} s`));
    this._retryTimer = this.timers.setTimeout(() => { this._retryTimer = null; this._open(); }, delay);
  }

  close() {
    this._closing = true;
    if (this._retryTimer) this.timers.clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (this.ws) {
      const ws = this.ws;
      try { ws.close(1000); } catch (e) { /* gone */ }
      this.ws = null;
      this._lost('Closed');
    } else {
      this._setState('closed');
    }
  }

  _startPing() {
    this._stopPing();
    if (!this.pingInterval) return;
    const tick = () => {
      this._pingTimer = this.timers.setTimeout(tick, this.pingInterval);
      this.request('ping', {}, { timeout: this.pingInterval * 2 }).catch((e) => {
        if (this.ws && e.message === 'Timed out') {
          // the server went quiet: start over
          const ws = this.ws;
          this.ws = null;
          try { ws.close(4000, 'ping timeout'); } catch (x) { /* gone */ }
          this._lost('No answer to ping');
        }
      });
    };
    this._pingTimer = this.timers.setTimeout(tick, this.pingInterval);
  }

  _stopPing() {
    if (this._pingTimer) this.timers.clearTimeout(this._pingTimer);
    this._pingTimer = null;
  }

  async _onReady() {
    const again = this.attempts > 0;
    this.attempts = 0;
    this._startPing();
    this._setState('ready');
    if (this._ready) { this._ready.resolve(); this._ready = null; }
    if (again) {
      // put the accounts back as they were
      for (const acc of this.accounts.values()) {
        acc._restore().catch((e) => acc.emit('error', e));
      }
    }
  }

  request(type, fields = {}, opts = {}) {
    if (!this.ws || (this.state !== 'ready' && type !== 'ping')) {
      return Promise.reject(new Error('Not connected'));
    }
    const transaction = uuid();
    const msg = Object.assign({ sylkrtc: type, transaction }, fields);
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error('Timed out'));
      }, opts.timeout || this.requestTimeout);
      this.pending.set(transaction, { resolve, reject, timer, type });
      try {
        this.ws.send(JSON.stringify(msg));
      } catch (e) {
        this.timers.clearTimeout(timer);
        this.pending.delete(transaction);
        reject(new Error(`Cannot send: ${e.message}`));
      }
    });
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      this.emit('error', new Error('Bad message from the server'));
      return;
    }
    this.emit('message', msg);
    switch (msg.sylkrtc) {
      case 'ready-event':
        this._onReady();
        return;
      case 'ack':
      case 'error': {
        const p = this.pending.get(msg.transaction);
        if (!p) {
          if (msg.sylkrtc === 'error') this.emit('error', new Error(msg.error || 'Error'));
          return;
        }
        this.pending.delete(msg.transaction);
        this.timers.clearTimeout(p.timer);
        if (msg.sylkrtc === 'ack') p.resolve(msg);
        else p.reject(new Error(msg.error || `${p.type} failed`));
        return;
      }
      case 'account-event': {
        const acc = this.accounts.get(msg.account);
        if (acc) acc._onEvent(msg);
        return;
      }
      case 'session-event': {
        const call = this.sessions.get(msg.session);
        if (call) call._onEvent(msg);
        return;
      }
      case 'videoroom-event': {
        const room = this.rooms.get(msg.session);
        if (room) room._onEvent(msg);
        return;
      }
      default:
        this.emit('unknown', msg);
    }
  }

  // password: the clear-text password (the HA1 is computed here) or
  // {ha1: '...'}
  async addAccount(account, password, opts = {}) {
    account = normalizeUri(account);
    const hash = typeof password === 'object' && password ? password.ha1 : ha1(account, password, opts.realm);
    const acc = new Account(this, account, hash, opts.displayName);
    await this.request('account-add', acc._addFields());
    this.accounts.set(account, acc);
    return acc;
  }

  _newPc() {
    if (!this.RTCPeerConnection) throw new Error('WebRTC is not available in this browser');
    // the default bundle policy: rtpengine does not do BUNDLE
    return new this.RTCPeerConnection(this.pcConfig);
  }
}

// ---- accounts ------------------------------------------------------------------------

export class Account extends Emitter {
  constructor(conn, account, ha1hex, displayName) {
    super();
    this.conn = conn;
    this.id = account;
    this.ha1 = ha1hex;
    this.displayName = displayName || '';
    this.registrationState = null;
    this.wantRegistered = false;
  }

  _addFields() {
    const f = { account: this.id, password: this.ha1, user_agent: 'sylk-kamailio demo' };
    if (this.displayName) f.display_name = this.displayName;
    return f;
  }

  async _restore() {
    await this.conn.request('account-add', this._addFields());
    if (this.wantRegistered) await this.register();
  }

  _connectionLost() {
    if (this.registrationState && this.registrationState !== 'failed') {
      this.registrationState = null;
      this.emit('registration-state', 'unregistered', 'Connection lost');
    }
  }

  register() {
    this.wantRegistered = true;
    return this.conn.request('account-register', { account: this.id });
  }

  unregister() {
    this.wantRegistered = false;
    return this.conn.request('account-unregister', { account: this.id });
  }

  async remove() {
    this.wantRegistered = false;
    await this.conn.request('account-remove', { account: this.id });
    this.conn.accounts.delete(this.id);
  }

  _onEvent(msg) {
    switch (msg.event) {
      case 'registration-state':
        this.registrationState = msg.state;
        this.emit('registration-state', msg.state, msg.reason);
        return;
      case 'incoming-session': {
        const call = new Call(this, msg.session, 'incoming', normalizeUri(msg.originator && msg.originator.uri));
        call.remoteDisplayName = msg.originator && msg.originator.display_name;
        call._offer = msg.sdp;
        call.state = 'incoming';
        this.conn.sessions.set(call.id, call);
        this.emit('incoming-call', call);
        return;
      }
      case 'missed-session':
        this.emit('missed-call', msg.originator || {});
        return;
      case 'message':
        this.emit('message', {
          id: msg.message_id, sender: msg.sender || {}, content: msg.content,
          contentType: msg.content_type, timestamp: msg.timestamp,
          dispositionNotification: msg.disposition_notification || [], direction: msg.direction,
          metadata: msg.metadata,
        });
        return;
      case 'disposition-notification':
        this.emit('disposition', { id: msg.message_id, state: msg.state, code: msg.code, reason: msg.reason });
        return;
      case 'sync-conversations':
        this.emit('sync-conversations', msg.messages || []);
        return;
      case 'sync':
        this.emit('sync', { type: msg.type, action: msg.action, content: msg.content });
        return;
      case 'addressbook-fetched':
        this.emit('addressbook', msg.addressbook || { contacts: [], groups: [], policies: [] });
        return;
      case 'addressbook-updated':
        this.emit('addressbook-updated', msg);
        return;
      case 'addressbook-update-failed':
        this.emit('addressbook-update-failed', msg);
        this.emit('error', new Error(`Address book ${msg.action} failed: ${msg.error}`));
        return;
      case 'presence':
        this.emit('presence', { uri: msg.uri, state: msg.state, note: msg.note, activity: msg.activity });
        return;
      case 'conference-invite':
        this.emit('conference-invite', { room: msg.room, originator: msg.originator, sessionId: msg.session_id });
        return;
      default:
        this.emit('event', msg);
    }
  }

  // ---- calls
  async call(uri, opts = {}) {
    const call = new Call(this, uuid(), 'outgoing', normalizeUri(uri));
    this.conn.sessions.set(call.id, call);
    try {
      await call._start(opts);
    } catch (e) {
      call._terminated(e.message);
      throw e;
    }
    return call;
  }

  // ---- messaging
  // opts.metadata: opaque application data (a string, JSON by convention;
  // line breaks folded to spaces as the Sylk apps do), kept and delivered
  // with the message
  async sendMessage(uri, content, contentType = 'text/plain', opts = {}) {
    const id = uuid();
    const timestamp = new Date().toISOString();
    const req = {
      account: this.id, uri: normalizeUri(uri), message_id: id, content,
      content_type: contentType, timestamp,
    };
    if (opts.metadata) req.metadata = String(opts.metadata).replace(/[\r\n]+/g, ' ').trim();
    await this.conn.request('account-message', req);
    return { id, timestamp };
  }

  sendDisposition(uri, messageId, state) {
    return this.conn.request('account-disposition-notification', {
      account: this.id, uri: normalizeUri(uri), message_id: messageId, state,
      timestamp: new Date().toISOString(),
    });
  }

  syncConversations(opts = {}) {
    const f = { account: this.id };
    if (opts.messageId) f.message_id = opts.messageId;
    if (opts.since) f.since = opts.since;
    if (opts.limit !== undefined) f.limit = opts.limit;
    return this.conn.request('account-sync-conversations', f);
  }

  markConversationRead(contact) {
    return this.conn.request('account-mark-conversation-read', { account: this.id, contact: normalizeUri(contact) });
  }

  removeMessage(contact, messageId) {
    return this.conn.request('account-remove-message', { account: this.id, contact: normalizeUri(contact), message_id: messageId });
  }

  removeConversation(contact) {
    return this.conn.request('account-remove-conversation', { account: this.id, contact: normalizeUri(contact) });
  }

  // ---- address book
  fetchAddressBook() {
    return new Promise((resolve, reject) => {
      const h = (book) => { this.off('addressbook', h); resolve(book); };
      this.on('addressbook', h);
      this.conn.request('account-fetch-addressbook', { account: this.id })
        .catch((e) => { this.off('addressbook', h); reject(e); });
    });
  }

  updateAddressBook(action, type, data) {
    return this.conn.request('account-update-addressbook', { account: this.id, action, type, data });
  }

  // ---- video rooms
  async joinRoom(uri, opts = {}) {
    const room = new Room(this, normalizeUri(uri));
    await room._join(opts);
    return room;
  }
}

// ---- trickle ICE ------------------------------------------------------------------------

// Sends a peer connection's candidates in batches with `type` (session-trickle
// or videoroom-session-trickle), the empty list at the end. Candidates that
// come before the create/answer request went out wait for it (the server
// must know the session first).
function trickle(conn, pc, type, session) {
  const batch = [];
  let released = false, ended = false, timer = null;
  const flush = () => {
    timer = null;
    if (!released) return;
    if (batch.length) {
      conn.request(type, { session, candidates: batch.splice(0) }).catch(() => {});
    }
    if (ended) {
      ended = false;
      conn.request(type, { session, candidates: [] }).catch(() => {});
    }
  };
  pc.onicecandidate = (ev) => {
    if (ev.candidate && ev.candidate.candidate) {
      batch.push({ candidate: ev.candidate.candidate, sdpMLineIndex: ev.candidate.sdpMLineIndex, sdpMid: ev.candidate.sdpMid });
      if (!timer && released) timer = conn.timers.setTimeout(flush, 50);
    } else if (!ev.candidate) {
      ended = true;
      if (released) flush();
    }
  };
  return () => { released = true; flush(); };
}

// ---- calls ----------------------------------------------------------------------------

export class Call extends Emitter {
  constructor(account, id, direction, remote) {
    super();
    this.account = account;
    this.conn = account.conn;
    this.id = id;
    this.direction = direction;
    this.remoteIdentity = remote;
    this.state = 'new';
    this.pc = null;
    this.localStream = null;
    this.remoteStream = null;
    this.onHold = false;
    this._answerApplied = false;
  }

  _setState(state, reason) {
    this.state = state;
    this.emit('state', state, reason);
  }

  _makePc(stream) {
    const pc = this.conn._newPc();
    this.pc = pc;
    this.localStream = stream || null;
    if (stream) for (const t of stream.getTracks()) pc.addTrack(t, stream);
    pc.ontrack = (ev) => {
      if (!this.remoteStream) this.remoteStream = ev.streams && ev.streams[0];
      this.emit('track', ev);
    };
    pc.onconnectionstatechange = () => {
      this.emit('pc-state', pc.connectionState);
      if (pc.connectionState === 'failed') this.emit('error', new Error('Media connection failed'));
    };
    return trickle(this.conn, pc, 'session-trickle', this.id);
  }

  async _start(opts) {
    const release = this._makePc(opts.stream);
    if (!opts.stream) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
      if (opts.video !== false) this.pc.addTransceiver('video', { direction: 'recvonly' });
    }
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this._setState('progress');
    const sent = this.conn.request('session-create', {
      account: this.account.id, session: this.id, uri: this.remoteIdentity,
      sdp: this.pc.localDescription.sdp, ...(opts.headers ? { headers: opts.headers } : {}),
    });
    release();
    await sent;
  }

  async answer(opts = {}) {
    if (this.direction !== 'incoming' || this.state !== 'incoming') throw new Error('Nothing to answer');
    const release = this._makePc(opts.stream);
    await this.pc.setRemoteDescription({ type: 'offer', sdp: this._offer });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    const sent = this.conn.request('session-answer', { session: this.id, sdp: this.pc.localDescription.sdp });
    release();
    await sent;
    this._setState('accepted');
  }

  async terminate() {
    if (this.state === 'terminated') return;
    try {
      await this.conn.request('session-terminate', { session: this.id });
    } catch (e) {
      this._terminated(e.message);
      throw e;
    }
  }

  sendDtmf(digits, duration) {
    const f = { session: this.id, digit: String(digits) };
    if (duration) f.duration = duration;
    return this.conn.request('session-dtmf-info', f);
  }

  sendMessage(content, contentType = 'text/plain') {
    return this.conn.request('session-message', {
      session: this.id, message_id: uuid(), content, content_type: contentType,
      timestamp: new Date().toISOString(),
    });
  }

  // re-INVITE: hold (a=sendonly) or unhold
  async _reoffer(direction) {
    for (const t of this.pc.getTransceivers()) {
      if (t.stopped) continue;
      t.direction = direction;
    }
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this._updating = true;
    await this.conn.request('session-update', { session: this.id, sdp: this.pc.localDescription.sdp });
  }

  async hold() { await this._reoffer('sendonly'); this.onHold = true; this.emit('hold', true); }
  async unhold() { await this._reoffer('sendrecv'); this.onHold = false; this.emit('hold', false); }

  async _applyAnswer(sdp) {
    if (!sdp || !this.pc || this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async _onUpdateOffer(sdp) {
    // the far end re-INVITEs: answer it with session-update
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await this.conn.request('session-update', { session: this.id, sdp: this.pc.localDescription.sdp });
    } catch (e) {
      this.emit('error', new Error(`Cannot answer the re-INVITE: ${e.message}`));
    }
  }

  _onEvent(msg) {
    switch (msg.event) {
      case 'state':
        if (msg.state === 'terminated') { this._terminated(msg.reason || 'Terminated'); return; }
        if ((msg.state === 'early-media' || msg.state === 'accepted') && msg.sdp && !this._answerApplied) {
          this._answerApplied = true;
          this._applyAnswer(msg.sdp).catch((e) => this.emit('error', new Error(`Bad answer: ${e.message}`)));
        }
        this._setState(msg.state, msg.reason || (msg.code ? String(msg.code) : undefined));
        return;
      case 'update':
        if (msg.state === 'received') this._onUpdateOffer(msg.sdp);
        else if (msg.state === 'accepted') this._applyAnswer(msg.sdp).catch((e) => this.emit('error', e));
        else if (msg.state === 'failed') this.emit('error', new Error(`Re-INVITE failed: ${msg.reason || ''}`));
        this.emit('update', msg.state, msg.reason);
        return;
      case 'message':
        this.emit('message', { id: msg.message_id, content: msg.content, contentType: msg.content_type, sender: msg.sender, timestamp: msg.timestamp });
        return;
      case 'disposition-notification':
        this.emit('disposition', { id: msg.message_id, state: msg.state, code: msg.code, reason: msg.reason });
        return;
      default:
        this.emit('event', msg);
    }
  }

  _terminated(reason) {
    if (this.state === 'terminated') return;
    this.conn.sessions.delete(this.id);
    if (this.pc) { try { this.pc.close(); } catch (e) { /* closed */ } }
    this._setState('terminated', reason);
  }
}

// ---- video rooms ------------------------------------------------------------------------

export class Room extends Emitter {
  constructor(account, uri) {
    super();
    this.account = account;
    this.conn = account.conn;
    this.uri = uri;
    this.id = uuid();
    this.state = 'new';
    this.pc = null;
    this.participants = new Map();  // publisher id -> {id, uri, displayName, feed, pc, stream}
  }

  async _join(opts) {
    const pc = this.conn._newPc();
    this.pc = pc;
    this.localStream = opts.stream || null;
    if (opts.stream) {
      for (const t of opts.stream.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [opts.stream] });
    }
    const release = trickle(this.conn, pc, 'videoroom-session-trickle', this.id);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.conn.rooms.set(this.id, this);
    const f = { account: this.account.id, session: this.id, uri: this.uri, sdp: pc.localDescription.sdp };
    if (opts.audio === false) f.audio = false;
    if (opts.video === false) f.video = false;
    const sent = this.conn.request('videoroom-join', f);
    release();
    try {
      await sent;
    } catch (e) {
      this.conn.rooms.delete(this.id);
      pc.close();
      throw e;
    }
  }

  async leave() {
    if (this.state === 'terminated') return;
    this._leaving = true;
    try {
      await this.conn.request('videoroom-leave', { session: this.id });
    } finally {
      this._terminated('Left');
    }
  }

  sendMessage(content, contentType = 'text/plain') {
    const id = uuid();
    return this.conn.request('videoroom-message', { session: this.id, message_id: id, content, content_type: contentType })
      .then(() => ({ id }));
  }

  composing(state) {
    return this.conn.request('videoroom-composing-indication', { session: this.id, state });
  }

  async _attach(pub) {
    if (pub.feed) return;
    pub.feed = uuid();
    this.conn.rooms.set(pub.feed, this);
    try {
      await this.conn.request('videoroom-feed-attach', { session: this.id, publisher: pub.id, feed: pub.feed });
    } catch (e) {
      this.conn.rooms.delete(pub.feed);
      pub.feed = null;
      this.emit('error', new Error(`Cannot see ${pub.uri}: ${e.message}`));
    }
  }

  async _feedOffer(feed, sdp) {
    const pub = [...this.participants.values()].find((p) => p.feed === feed);
    if (!pub) return;
    const pc = this.conn._newPc();
    pub.pc = pc;
    pc.ontrack = (ev) => {
      pub.stream = ev.streams && ev.streams[0] ? ev.streams[0] : (pub.stream || new MediaStream());
      if (!ev.streams || !ev.streams[0]) pub.stream.addTrack(ev.track);
      this.emit('participant-stream', pub);
    };
    const release = trickle(this.conn, pc, 'videoroom-session-trickle', feed);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      const sent = this.conn.request('videoroom-feed-answer', { session: this.id, feed, sdp: pc.localDescription.sdp });
      release();
      await sent;
    } catch (e) {
      this.emit('error', new Error(`Feed of ${pub.uri}: ${e.message}`));
    }
  }

  _addPublishers(list) {
    for (const p of list || []) {
      if (this.participants.has(p.id)) continue;
      const pub = { id: p.id, uri: normalizeUri(p.uri), displayName: p.display_name, feed: null, pc: null, stream: null };
      this.participants.set(p.id, pub);
      this.emit('participant-joined', pub);
      this._attach(pub);
    }
  }

  _onEvent(msg) {
    switch (msg.event) {
      case 'session-state':
        if (msg.session !== this.id) return;
        if (msg.state === 'accepted' && msg.sdp && this.pc) {
          this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp })
            .catch((e) => this.emit('error', new Error(`Bad room answer: ${e.message}`)));
        }
        if (msg.state === 'terminated') { this._terminated(this._leaving ? 'Left' : (msg.reason || 'Terminated')); return; }
        this.state = msg.state;
        this.emit('state', msg.state, msg.reason);
        return;
      case 'initial-publishers':
      case 'publishers-joined':
        this._addPublishers(msg.publishers);
        return;
      case 'publishers-left':
        for (const id of msg.publishers || []) {
          const pub = this.participants.get(id);
          if (!pub) continue;
          this.participants.delete(id);
          if (pub.pc) pub.pc.close();
          if (pub.feed) {
            this.conn.rooms.delete(pub.feed);
            this.conn.request('videoroom-feed-detach', { session: this.id, feed: pub.feed }).catch(() => {});
          }
          this.emit('participant-left', pub);
        }
        return;
      case 'feed-attached':
        this._feedOffer(msg.feed, msg.sdp);
        return;
      case 'feed-established':
        this.emit('feed-established', msg.feed);
        return;
      case 'message':
        this.emit('message', { type: msg.type, content: msg.content, contentType: msg.content_type, sender: msg.sender || {}, timestamp: msg.timestamp });
        return;
      case 'message-delivery':
        this.emit('delivery', { id: msg.message_id, delivered: msg.delivered, code: msg.code, reason: msg.reason });
        if (!msg.delivered) this.emit('error', new Error(`Chat message not delivered: ${msg.code} ${msg.reason || ''}`));
        return;
      case 'composing-indication':
        this.emit('composing', { state: msg.state, sender: msg.sender || {} });
        return;
      default:
        this.emit('event', msg);
    }
  }

  _terminated(reason) {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const [key, room] of [...this.conn.rooms]) if (room === this) this.conn.rooms.delete(key);
    for (const pub of this.participants.values()) if (pub.pc) pub.pc.close();
    if (this.pc) { try { this.pc.close(); } catch (e) { /* closed */ } }
    this.emit('state', 'terminated', reason);
  }
}
