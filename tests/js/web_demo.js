// SPDX-License-Identifier: GPL-2.0-or-later
// Drives the demo web app (web/, served by the server under test) in one
// headless Chromium (Debian's /usr/bin/chromium via playwright-core) with
// two pages, alice and bob, through the UI as a person would: log in,
// call with video, messages with marks, a video room with chat, a call to
// echo@, a call to a nobody (the error shown). One JSON line per step on
// stdout ({"step": ..., "ok": true, ...}); screenshots into --out.
//
// usage: node web_demo.js --base http://127.0.0.1:PORT --out DIR
//        [--fake-audio tone.wav] [--room NAME] [--chromium /usr/bin/chromium]

'use strict';

const path = require('path');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit } = require('./chromium');

function parseArgs(argv) {
  const o = { chromium: '/usr/bin/chromium', room: 'demo' + Date.now() % 100000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    o[k] = argv[++i];
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const args = CHROMIUM_ARGS.concat(['--ignore-certificate-errors',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows']);
  if (o.fakeAudio) args.push('--use-file-for-fake-audio-capture=' + path.resolve(o.fakeAudio));
  const browser = await chromium.launch({ executablePath: o.chromium, headless: true, args });
  const pages = {};
  const shot = async (name, page) => page.screenshot({ path: path.join(o.out, `${name}.png`), fullPage: true });
  const step = (name, extra) => emit(Object.assign({ step: name, ok: true }, extra || {}));
  let current = 'start';
  try {
    // ---- log in
    current = 'login';
    for (const user of ['alice', 'bob']) {
      const context = await browser.newContext({ permissions: ['microphone', 'camera'], ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (e) => emit({ event: 'pageerror', page: user, text: String(e) }));
      page.on('console', (m) => { if (m.type() === 'error') emit({ event: 'console', page: user, text: m.text() }); });
      const resp = await page.goto(`${o.base}/?account=${user}@sylk.test`);
      await page.click('#login-button');
      await page.waitForFunction(() => document.getElementById('reg-state').textContent === 'registered', null, { timeout: 15000 });
      pages[user] = page;
      step('login', { user, status: resp.status(), type: resp.headers()['content-type'] });
    }
    const { alice, bob } = pages;
    await shot('01-logged-in-alice', alice);

    // ---- a video call alice -> bob
    current = 'call';
    await alice.fill('#call-uri', 'bob@sylk.test');
    await alice.click('#call-button');
    await bob.waitForSelector('#answer-button:not([disabled])', { timeout: 15000 });
    await shot('02-incoming-bob', bob);
    const incoming = await bob.textContent('#call-state');
    await bob.click('#answer-button');
    const playing = () => {
      const v = document.getElementById('remote-video');
      if (!v.srcObject || !v.videoWidth) return false;
      const q = v.getVideoPlaybackQuality();
      return v.currentTime > 1 && q.totalVideoFrames > 20 ? { t: v.currentTime, frames: q.totalVideoFrames, w: v.videoWidth } : false;
    };
    const a = await (await alice.waitForFunction(playing, null, { timeout: 20000 })).jsonValue();
    const b = await (await bob.waitForFunction(playing, null, { timeout: 20000 })).jsonValue();
    await alice.click('#dtmf button[data-digit="5"]');
    await shot('03-call-alice', alice);
    await shot('03-call-bob', bob);
    await alice.click('#hold-button');
    await alice.waitForFunction(() => document.getElementById('hold-button').getAttribute('aria-pressed') === 'true', null, { timeout: 10000 });
    await alice.click('#hold-button');
    await alice.waitForFunction(() => document.getElementById('hold-button').getAttribute('aria-pressed') === 'false', null, { timeout: 10000 });
    await alice.click('#hangup-button');
    await bob.waitForFunction(() => /terminated/.test(document.getElementById('call-state').textContent), null, { timeout: 10000 });
    step('call', { incoming, alice: a, bob: b, bob_end: await bob.textContent('#call-state') });

    // ---- messages with marks
    current = 'messages';
    await alice.evaluate(() => { window.__disp = []; window.demo.account.on('disposition', (d) => window.__disp.push(d.state)); });
    await alice.fill('#message-to', 'bob@sylk.test');
    await alice.fill('#message-text', 'hello bob');
    await alice.click('#message-send');
    await bob.waitForFunction(() => [...document.querySelectorAll('#message-list li.in .text')].some((e) => e.textContent === 'hello bob'), null, { timeout: 10000 });
    await alice.waitForSelector('#message-list li.out .mark[data-state="displayed"]', { timeout: 10000 });
    const marks = await alice.evaluate(() => window.__disp);
    await bob.fill('#message-text', 'hi alice');
    await bob.click('#message-send');
    await alice.waitForFunction(() => [...document.querySelectorAll('#message-list li.in .text')].some((e) => e.textContent === 'hi alice'), null, { timeout: 10000 });
    await bob.waitForSelector('#message-list li.out .mark[data-state="displayed"]', { timeout: 10000 });
    await shot('04-messages-alice', alice);
    await shot('04-messages-bob', bob);
    step('messages', { marks, mark_text: await alice.textContent('#message-list li.out .mark') });

    // ---- the same video room, and its chat
    current = 'room';
    // one after the other, as people do: bob joins once alice's media flows
    for (const p of [alice, bob]) {
      await p.fill('#room-name', o.room);
      await p.click('#room-join');
      await p.waitForFunction(() => /established/.test(document.getElementById('room-state').textContent), null, { timeout: 15000 });
    }
    const roomPlaying = () => {
      const vs = [...document.querySelectorAll('#room-videos video')].filter((v) => !v.muted);
      const v = vs.find((x) => x.srcObject && x.videoWidth && x.currentTime > 1 && x.getVideoPlaybackQuality().totalVideoFrames > 10);
      return v ? { t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames, label: v.getAttribute('aria-label') } : false;
    };
    const ra = await (await alice.waitForFunction(roomPlaying, null, { timeout: 25000 })).jsonValue();
    const rb = await (await bob.waitForFunction(roomPlaying, null, { timeout: 25000 })).jsonValue();
    await alice.fill('#room-chat-text', 'hi room');
    await alice.click('#room-chat-send');
    await bob.waitForFunction(() => [...document.querySelectorAll('#room-chat li .text')].some((e) => e.textContent === 'hi room'), null, { timeout: 10000 });
    await bob.fill('#room-chat-text', 'hello from bob');
    await bob.click('#room-chat-send');
    await alice.waitForFunction(() => [...document.querySelectorAll('#room-chat li .text')].some((e) => e.textContent === 'hello from bob'), null, { timeout: 10000 });
    await shot('05-room-alice', alice);
    await shot('05-room-bob', bob);
    for (const p of [alice, bob]) {
      await p.click('#room-leave');
      await p.waitForFunction(() => /terminated/.test(document.getElementById('room-state').textContent), null, { timeout: 10000 });
    }
    step('room', { alice: ra, bob: rb });

    // ---- echo@: our own audio (its frequency) and video come back
    current = 'echo';
    await alice.fill('#call-uri', 'echo@sylk.test');
    await alice.click('#call-button');
    const ea = await (await alice.waitForFunction(playing, null, { timeout: 20000 })).jsonValue();
    const peak = await alice.evaluate(async () => {
      const stream = document.getElementById('remote-video').srcObject;
      const ctx = new AudioContext();
      const an = ctx.createAnalyser();
      an.fftSize = 8192;
      ctx.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(an);
      await ctx.resume();
      const data = new Float32Array(an.frequencyBinCount);
      const found = [];
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 250));
        an.getFloatFrequencyData(data);
        let best = 0;
        for (let k = 1; k < data.length; k++) if (data[k] > data[best]) best = k;
        found.push({ hz: Math.round(best * ctx.sampleRate / an.fftSize), db: Math.round(data[best]) });
      }
      ctx.close();
      return found;
    });
    await shot('06-echo-alice', alice);
    await alice.click('#hangup-button');
    await alice.waitForFunction(() => /terminated/.test(document.getElementById('call-state').textContent), null, { timeout: 10000 });
    step('echo', { video: ea, peaks: peak });

    // ---- an error is shown to the person
    current = 'error';
    await alice.fill('#call-uri', 'nobody@sylk.test');
    await alice.click('#call-button');
    await alice.waitForFunction(() => /nobody@sylk\.test ended: 4\d\d/.test(document.getElementById('errors').textContent), null, { timeout: 15000 });
    await shot('07-error-alice', alice);
    step('error', { errors: await alice.textContent('#errors') });
  } catch (e) {
    for (const [name, page] of Object.entries(pages)) {
      try { await shot(`failed-${current}-${name}`, page); } catch (x) { /* gone */ }
      try { emit({ event: 'videos', page: name, videos: await page.evaluate(() => [...document.querySelectorAll('video')].map((v) => ({ label: v.getAttribute('aria-label'), src: !!v.srcObject, tracks: v.srcObject ? v.srcObject.getTracks().map((t) => t.kind + ':' + t.readyState) : [], w: v.videoWidth, t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames }))) }); } catch (x) { /* gone */ }
      try { emit({ event: 'page-text', page: name, text: (await page.textContent('body')).replace(/\s+/g, ' ').slice(0, 3000) }); } catch (x) { /* gone */ }
    }
    emit({ step: current, ok: false, error: String(e && e.stack ? e.stack : e) });
    await browser.close();
    process.exit(1);
  }
  await browser.close();
  emit({ step: 'done', ok: true });
}

main().catch((e) => {
  emit({ step: 'fatal', ok: false, error: String(e && e.stack ? e.stack : e) });
  process.exit(1);
});
