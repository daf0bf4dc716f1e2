// SPDX-License-Identifier: GPL-2.0-or-later
// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser download ever) running tests/web/sylkrtc-call.html: a real
// WebRTC peer that speaks sylkRTC-2 over WebSocket.
//
// Prints one JSON object per line on stdout, for pytest to parse:
//   {"event":"launched","ms":...}          browser up
//   {"event":"page", ...}                  everything the page reports
//                                          (state, recv, offer, pc-state, ...)
//   {"event":"stats", ...}                 getStats() each --stats-interval ms
//                                          while the call is up
//   {"event":"result","ok":true|false,"reason":...,"stats":{...},"frequency":...}
// and exits 0 when ok. ok means: the call reached "established" and, unless
// --min-bytes 0, inbound audio bytesReceived reached --min-bytes.
//
// usage: node chromium_call.js --ws ws://127.0.0.1:PORT/webrtcgateway/ws
//          --account alice@sylk.test --ha1 HEX [--uri bob@sylk.test]
//          [--mode call|answer|register] [--hold 3000] [--min-bytes 1000]
//          [--fake-audio tone.wav] [--trickle 0] [--no-hangup]
//          [--file] [--timeout 30000] [--stats-interval 500]
//          [--chromium /usr/bin/chromium] [--dtmf 1#]

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit, servePages } = require('./chromium');

const PAGE = path.resolve(__dirname, '..', 'web', 'sylkrtc-call.html');

function parseArgs(argv) {
  const opts = {
    mode: 'call', hold: 3000, minBytes: 1000, timeout: 30000, statsInterval: 500,
    chromium: '/usr/bin/chromium', trickle: '1', file: false, hangup: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--ws': opts.ws = next(); break;
      case '--account': opts.account = next(); break;
      case '--ha1': opts.ha1 = next(); break;
      case '--uri': opts.uri = next(); break;
      case '--mode': opts.mode = next(); break;
      case '--hold': opts.hold = parseInt(next(), 10); break;
      case '--min-bytes': opts.minBytes = parseInt(next(), 10); break;
      case '--timeout': opts.timeout = parseInt(next(), 10); break;
      case '--stats-interval': opts.statsInterval = parseInt(next(), 10); break;
      case '--fake-audio': opts.fakeAudio = path.resolve(next()); break;
      case '--trickle': opts.trickle = next(); break;
      case '--chromium': opts.chromium = next(); break;
      case '--dtmf': opts.dtmf = next(); break;
      case '--file': opts.file = true; break;
      case '--no-hangup': opts.hangup = false; break;
      default:
        console.error('unknown argument ' + a);
        process.exit(2);
    }
  }
  if (!opts.ws || !opts.account || !opts.ha1) {
    console.error('need --ws, --account and --ha1');
    process.exit(2);
  }
  return opts;
}

function servePage() {
  return servePages({ '/sylkrtc-call.html': { type: 'text/html; charset=utf-8', body: () => fs.readFileSync(PAGE) } });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sylk-chromium-'));
  const args = CHROMIUM_ARGS.slice();
  if (opts.fakeAudio) args.push('--use-file-for-fake-audio-capture=' + opts.fakeAudio);

  let browser = null;
  let server = null;
  let finished = false;
  const finish = async (ok, reason, extra) => {
    if (finished) return;
    finished = true;
    emit(Object.assign({ event: 'result', ok, reason, ms: Date.now() - t0 }, extra || {}));
    try { if (browser) await browser.close(); } catch (e) { /* already gone */ }
    if (server) server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    process.exit(ok ? 0 : 1);
  };
  const overall = setTimeout(() => finish(false, 'timeout after ' + opts.timeout + ' ms'), opts.timeout);

  try {
    // a fresh profile each run; Playwright passes --headless itself
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.chromium,
      headless: true,
      args,
      permissions: ['microphone'],
    });
    browser = context;
    emit({ event: 'launched', ms: Date.now() - t0, version: context.browser() ? context.browser().version() : undefined });

    const page = context.pages()[0] || await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        emit({ event: 'console', type: msg.type(), text: msg.text() });
      }
    });
    page.on('pageerror', (err) => emit({ event: 'pageerror', text: String(err) }));

    let established = null;
    let terminatedReason = null;
    let failedReason = null;
    await page.exposeFunction('sylkReport', (entry) => {
      emit(Object.assign({ event: 'page' }, entry, { page_event: entry.event }));
      if (entry.event === 'state') {
        if (entry.state === 'established' && established === null) established = Date.now();
        if (entry.state === 'terminated') terminatedReason = entry.reason || 'terminated';
        if (entry.state === 'failed') failedReason = entry.reason || 'failed';
      }
    });

    const query = new URLSearchParams({
      ws: opts.ws, account: opts.account, ha1: opts.ha1, mode: opts.mode, trickle: opts.trickle,
    });
    if (opts.uri) query.set('uri', opts.uri);
    let url;
    if (opts.file) {
      url = 'file://' + PAGE + '?' + query.toString();
    } else {
      server = await servePage();
      url = `http://127.0.0.1:${server.address().port}/sylkrtc-call.html?${query.toString()}`;
    }
    await page.goto(url);
    emit({ event: 'loaded', ms: Date.now() - t0, url: opts.file ? 'file' : 'http' });

    if (opts.mode === 'register') {
      // registration only: done when registered or failed
      for (;;) {
        const state = await page.evaluate(() => window.sylkState);
        if (state === 'registered') return finish(true, 'registered');
        if (failedReason) return finish(false, failedReason);
        await page.waitForTimeout(50);
      }
    }

    // wait for the call to come up
    while (established === null) {
      if (failedReason) return finish(false, failedReason);
      if (terminatedReason) return finish(false, 'terminated before established: ' + terminatedReason);
      await page.waitForTimeout(50);
    }
    emit({ event: 'established', ms: Date.now() - t0 });

    if (opts.dtmf) {
      for (const digit of opts.dtmf) {
        const r = await page.evaluate((d) => window.sylkDtmf(d), digit);
        emit({ event: 'dtmf', digit, reply: r.sylkrtc, error: r.error });
      }
    }

    // hold the call, polling stats; stop early if the far end hangs up
    let stats = {};
    let frequency = null;
    const holdUntil = Date.now() + opts.hold;
    while (Date.now() < holdUntil && !terminatedReason && !failedReason) {
      await page.waitForTimeout(Math.min(opts.statsInterval, Math.max(1, holdUntil - Date.now())));
      stats = await page.evaluate(() => window.sylkStats());
      frequency = await page.evaluate(() => window.sylkDominantFrequency());
      const level = await page.evaluate(() => window.sylkAudioLevel());
      emit(Object.assign({ event: 'stats', frequency, level }, stats));
    }

    let hangup = null;
    if (opts.hangup && !terminatedReason) {
      const r = await page.evaluate(() => window.sylkHangup());
      hangup = r.sylkrtc === 'ack' ? 'ack' : r.error;
      const until = Date.now() + 5000;
      while (!terminatedReason && Date.now() < until) await page.waitForTimeout(50);
    }
    clearTimeout(overall);
    const bytes = stats.bytesReceived || 0;
    const enough = opts.minBytes <= 0 || bytes >= opts.minBytes;
    const ok = !failedReason && enough;
    return finish(ok, ok ? 'ok' : (failedReason || `bytesReceived ${bytes} < ${opts.minBytes}`),
      { stats, frequency, hangup, terminated: terminatedReason,
        established_ms: established - t0 });
  } catch (e) {
    return finish(false, 'exception: ' + (e && e.message ? e.message : e));
  }
}

main();
