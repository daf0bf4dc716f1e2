// SPDX-License-Identifier: GPL-2.0-or-later
// JsSIP (the npm package, unmodified) in Node: registers over SIP-over-
// WebSocket, calls a target, hangs up after a moment, unregisters.
// Signalling only: RTCPeerConnection is a stand-in that offers plain RTP.
// Prints one line per milestone; exits 0 when the whole flow succeeded.
//
// usage: node jssip_call.js WS_URL USER PASSWORD DOMAIN TARGET_USER

'use strict';

const WebSocket = require('ws');
global.WebSocket = WebSocket;

const [wsUrl, user, password, domain, target] = process.argv.slice(2);

class StubPeerConnection {
  constructor() {
    this.listeners = {};
    this.localDescription = null;
    this.remoteDescription = null;
    this.iceGatheringState = 'complete';
    this.iceConnectionState = 'new';
    this.signalingState = 'stable';
    this.connectionState = 'new';
  }
  addEventListener(name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); }
  removeEventListener(name, fn) {
    this.listeners[name] = (this.listeners[name] || []).filter((f) => f !== fn);
  }
  emit(name, ev) { (this.listeners[name] || []).forEach((fn) => fn(ev)); }
  sdp() {
    return 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
      'm=audio 40002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n';
  }
  async createOffer() { return { type: 'offer', sdp: this.sdp() }; }
  async createAnswer() { return { type: 'answer', sdp: this.sdp() }; }
  async setLocalDescription(desc) {
    this.localDescription = desc;
    // gathering is instant: announce its end
    setTimeout(() => this.emit('icecandidate', { candidate: null }), 0);
  }
  async setRemoteDescription(desc) { this.remoteDescription = desc; }
  getSenders() { return []; }
  getReceivers() { return []; }
  getLocalStreams() { return []; }
  getRemoteStreams() { return []; }
  addTrack() {}
  close() { this.signalingState = 'closed'; }
}
global.RTCPeerConnection = StubPeerConnection;
global.window = global;
global.RTCSessionDescription = function (d) { return d; };

const JsSIP = require('jssip');

function fail(why) {
  console.log('FAILED ' + why);
  process.exit(1);
}

setTimeout(() => fail('timeout'), 20000);

const socket = new JsSIP.WebSocketInterface(wsUrl);
const ua = new JsSIP.UA({
  sockets: [socket],
  uri: `sip:${user}@${domain}`,
  password,
  register: true,
  session_timers: false,
});

ua.on('registrationFailed', (e) => fail('registration ' + e.cause));
ua.on('registered', () => {
  console.log('registered');
  const session = ua.call(`sip:${target}@${domain}`, {
    mediaConstraints: { audio: false, video: false },
    pcConfig: { iceServers: [] },
  });
  session.on('progress', () => console.log('progress'));
  session.on('failed', (e) => fail('call ' + e.cause));
  session.on('confirmed', () => {
    console.log('confirmed');
    setTimeout(() => session.terminate(), 500);
  });
  session.on('ended', () => {
    console.log('ended');
    ua.unregister();
  });
});
ua.on('unregistered', () => {
  console.log('unregistered');
  ua.stop();
  setTimeout(() => process.exit(0), 200);
});

ua.start();
