// SPDX-License-Identifier: GPL-2.0-or-later
// One headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download ever) holding any number of pages of
// tests/web/sylkrtc-call.html, each in its own browser context (its own
// fake camera and microphone, its own WebSocket), driven line by line over
// stdin/stdout by tests/integration/sylktest/browser.py.
//
// stdin, one JSON object per line:
//   {"id":N,"cmd":"open","page":"alice","query":{"ws":...,"account":...,"ha1":...,"mode":"idle"}}
//   {"id":N,"cmd":"eval","page":"alice","expr":"window.sylkCall('bob@sylk.test')"}
//   {"id":N,"cmd":"close","page":"alice"}
//   {"id":N,"cmd":"quit"}
// Commands run concurrently (two "eval"s sent back to back run at the same
// moment); each gets one reply:
//   {"event":"reply","id":N,"ok":true,"value":...} or {"event":"reply","id":N,"ok":false,"error":"..."}
// Everything a page reports arrives as {"event":"page","page":NAME,"page_event":...,...};
// console errors and page errors as {"event":"console"|"pageerror","page":NAME,...}.
//
// usage: node browser_pages.js [--chromium /usr/bin/chromium] [--fake-audio tone.wav]

'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit, servePages } = require('./chromium');

const PAGE = path.resolve(__dirname, '..', 'web', 'sylkrtc-call.html');

function parseArgs(argv) {
  const opts = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--chromium': opts.chromium = argv[++i]; break;
      case '--fake-audio': opts.fakeAudio = path.resolve(argv[++i]); break;
      default:
        console.error('unknown argument ' + argv[i]);
        process.exit(2);
    }
  }
  return opts;
}

function servePage() {
  return servePages({ '/sylkrtc-call.html': { type: 'text/html; charset=utf-8', body: () => fs.readFileSync(PAGE) } });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const args = CHROMIUM_ARGS.concat([
    // wss:// to the server's self-signed test certificate
    '--ignore-certificate-errors',
    // pages in background contexts must keep their timers and media running
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ]);
  if (opts.fakeAudio) args.push('--use-file-for-fake-audio-capture=' + opts.fakeAudio);

  const server = await servePage();
  const browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args });
  emit({ event: 'launched', ms: Date.now() - t0, version: browser.version() });

  const pages = new Map();  // name -> {context, page}

  async function open(name, query) {
    if (pages.has(name)) throw new Error('page ' + name + ' already open');
    const context = await browser.newContext({
      permissions: ['microphone', 'camera'], ignoreHTTPSErrors: true,
    });
    const page = await context.newPage();
    pages.set(name, { context, page });
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        emit({ event: 'console', page: name, type: msg.type(), text: msg.text() });
      }
    });
    page.on('pageerror', (err) => emit({ event: 'pageerror', page: name, text: String(err) }));
    await page.exposeFunction('sylkReport', (entry) => {
      emit(Object.assign({ event: 'page', page: name }, entry, { page_event: entry.event }));
    });
    const q = new URLSearchParams(query);
    await page.goto(`http://127.0.0.1:${server.address().port}/sylkrtc-call.html?${q.toString()}`);
    return true;
  }

  async function run(msg) {
    switch (msg.cmd) {
      case 'open':
        return open(msg.page, msg.query || {});
      case 'eval': {
        const p = pages.get(msg.page);
        if (!p) throw new Error('no page ' + msg.page);
        return p.page.evaluate(msg.expr);
      }
      case 'close': {
        const p = pages.get(msg.page);
        if (!p) return false;
        pages.delete(msg.page);
        await p.context.close();
        return true;
      }
      case 'quit':
        setTimeout(async () => {
          try { await browser.close(); } catch (e) { /* gone */ }
          server.close();
          process.exit(0);
        }, 0);
        return true;
      default:
        throw new Error('unknown command ' + msg.cmd);
    }
  }

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      emit({ event: 'reply', id: null, ok: false, error: 'bad JSON: ' + line.slice(0, 200) });
      return;
    }
    run(msg).then(
      (value) => emit({ event: 'reply', id: msg.id, ok: true, value: value === undefined ? null : value }),
      (e) => emit({ event: 'reply', id: msg.id, ok: false, error: String(e && e.message ? e.message : e) }));
  });
  // the test process went away: do not leave a browser behind
  rl.on('close', async () => {
    try { await browser.close(); } catch (e) { /* gone */ }
    server.close();
    process.exit(0);
  });
}

main().catch((e) => {
  emit({ event: 'fatal', error: String(e && e.stack ? e.stack : e) });
  process.exit(1);
});
