// SPDX-License-Identifier: GPL-2.0-or-later
// JsSIP (the npm package, bundled for the browser with esbuild) in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser
// download ever), running tests/web/jssip-phone.html: a WebRTC SIP phone over
// SIP-over-WebSocket with the fake audio device.
//
// Prints one JSON object per line on stdout, for pytest to parse:
//   {"event":"page", "page_event":...}   everything the page reports
//                                        (registered, incoming, confirmed, ...)
//   {"event":"stats", ...}               getStats() audio bytes while the call is up
//   {"event":"closed"}                   --mode register: the page was closed
//   {"event":"result","ok":...,"reason":...,"stats":{...},"remote_sdp":...}
// and exits 0 when ok. A call is ok when it was confirmed and inbound audio
// bytes grew while it was up (at least --min-bytes).
//
// usage: node jssip_browser.js --ws URL --user alice --password PW
//          --domain sylk.test --mode call|answer|register [--target bob]
//          [--hold 3000] [--min-bytes 1000] [--timeout 30000] [--reinvite]
//          [--chromium /usr/bin/chromium]
// --reinvite: halfway through the call the page puts it on hold and takes
// it off again (two re-INVITEs); audio must grow after that too.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit, servePages } = require('./chromium');

const PAGE = path.resolve(__dirname, '..', 'web', 'jssip-phone.html');

function parseArgs(argv) {
  const opts = {
    mode: 'call', hold: 3000, minBytes: 1000, timeout: 30000, chromium: '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--ws': opts.ws = next(); break;
      case '--user': opts.user = next(); break;
      case '--password': opts.password = next(); break;
      case '--domain': opts.domain = next(); break;
      case '--mode': opts.mode = next(); break;
      case '--target': opts.target = next(); break;
      case '--hold': opts.hold = parseInt(next(), 10); break;
      case '--min-bytes': opts.minBytes = parseInt(next(), 10); break;
      case '--timeout': opts.timeout = parseInt(next(), 10); break;
      case '--chromium': opts.chromium = next(); break;
      case '--reinvite': opts.reinvite = true; break;
      default:
        console.error('unknown argument ' + a);
        process.exit(2);
    }
  }
  if (!opts.ws || !opts.user || !opts.password || !opts.domain) {
    console.error('need --ws, --user, --password and --domain');
    process.exit(2);
  }
  return opts;
}

// JsSIP for the page: npm's jssip ships CommonJS only
function bundle() {
  const r = esbuild.buildSync({
    stdin: { contents: 'window.JsSIP = require("jssip");', resolveDir: __dirname },
    bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'error',
  });
  return r.outputFiles[0].text;
}

// the page and its JsSIP bundle
function servePage(js) {
  return servePages({
    '/jssip-phone.html': { type: 'text/html; charset=utf-8', body: () => fs.readFileSync(PAGE) },
    '/jssip.bundle.js': { type: 'text/javascript; charset=utf-8', body: () => js },
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sylk-jssip-'));
  const args = CHROMIUM_ARGS.slice();

  let context = null;
  let server = null;
  let finished = false;
  const finish = async (ok, reason, extra) => {
    if (finished) return;
    finished = true;
    emit(Object.assign({ event: 'result', ok, reason, ms: Date.now() - t0 }, extra || {}));
    try { if (context) await context.close(); } catch (e) { /* already gone */ }
    if (server) server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    process.exit(ok ? 0 : 1);
  };
  setTimeout(() => finish(false, 'timeout after ' + opts.timeout + ' ms'), opts.timeout);

  try {
    server = await servePage(bundle());
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.chromium, headless: true, args, permissions: ['microphone'],
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        emit({ event: 'console', type: msg.type(), text: msg.text() });
      }
    });
    page.on('pageerror', (err) => emit({ event: 'pageerror', text: String(err) }));

    const seen = {};
    await page.exposeFunction('sylkReport', (entry) => {
      emit(Object.assign({}, entry, { event: 'page', page_event: entry.event }));
      seen[entry.event] = entry;
    });
    const waitFor = async (names, bad) => {
      for (;;) {
        for (const b of bad) if (seen[b]) return { bad: b, entry: seen[b] };
        for (const n of names) if (seen[n]) return { name: n, entry: seen[n] };
        await page.waitForTimeout(50);
      }
    };

    const query = new URLSearchParams({
      ws: opts.ws, user: opts.user, password: opts.password, domain: opts.domain,
      mode: opts.mode, target: opts.target || '',
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/jssip-phone.html?${query}`);

    let r = await waitFor(['registered'], ['registration-failed']);
    if (r.bad) return finish(false, 'registration failed: ' + r.entry.cause);

    if (opts.mode === 'register') {
      await page.waitForTimeout(opts.hold);
      // the page goes away without unregistering, as a closed tab does
      await page.close();
      emit({ event: 'closed', ms: Date.now() - t0 });
      return finish(true, 'closed');
    }

    r = await waitFor(['confirmed'], ['failed', 'ended']);
    if (r.bad) return finish(false, `${r.bad} before confirmed: ${r.entry.cause} ${r.entry.code || ''}`);

    // the call: audio bytes must grow while it is up
    const samples = [];
    const start = Date.now();
    const until = start + opts.hold;
    let resumedAt = null;
    while (Date.now() < until && !seen.ended && !seen.failed) {
      await page.waitForTimeout(500);
      const s = await page.evaluate(() => window.jssipStats());
      if (seen.ended || seen.failed) break;   // the connection is gone
      samples.push(s);
      emit(Object.assign({ event: 'stats', ms: Date.now() - t0 }, s));
      if (opts.reinvite && resumedAt === null && Date.now() - start >= opts.hold / 2) {
        // each resolves when its re-INVITE got a 2xx; a failed re-INVITE
        // ends the call (JsSIP hangs up)
        if (!await page.evaluate(() => window.jssipHold())) return finish(false, 'cannot hold');
        emit({ event: 'held', ms: Date.now() - t0 });
        if (!await page.evaluate(() => window.jssipUnhold())) return finish(false, 'cannot unhold');
        emit({ event: 'resumed', ms: Date.now() - t0 });
        resumedAt = samples.length;
      }
    }
    const remoteSdp = await page.evaluate(() => window.jssipRemoteSdp());
    if (!seen.ended) {
      await page.evaluate(() => window.jssipHangup());
      await waitFor(['ended', 'failed'], []);
    }
    const first = samples.length ? samples[0].bytesReceived : 0;
    const last = samples.length ? samples[samples.length - 1].bytesReceived : 0;
    const grew = samples.length >= 2 && last > first;
    let ok = grew && last >= opts.minBytes;
    let reason = ok ? 'ok' : `inbound audio bytes ${first} -> ${last}`;
    let grewAfterReinvite = null;
    if (opts.reinvite) {
      // at least two samples after the unhold, the later one higher
      grewAfterReinvite = resumedAt !== null && samples.length >= resumedAt + 2 &&
        last > samples[resumedAt].bytesReceived;
      if (ok && !grewAfterReinvite) {
        ok = false;
        reason = 'no inbound audio after hold and unhold';
      }
    }
    return finish(ok, reason,
      { stats: samples[samples.length - 1] || {}, samples: samples.length, grew,
        grew_after_reinvite: grewAfterReinvite,
        remote_sdp: remoteSdp, ended: seen.ended || null });
  } catch (e) {
    return finish(false, 'exception: ' + (e && e.message ? e.message : e));
  }
}

main();
