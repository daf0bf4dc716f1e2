// SPDX-License-Identifier: GPL-2.0-or-later
// The demo web app in headless Chromium (as web_demo.js drives it) in a
// video room while someone in the SIP conference room of the same name
// shares a screen: the room's notice in the chat with its URL as a link,
// and the room pane's "Screen shared by <name>" link, then both gone from
// the pane when the sharing stops. JSON lines on stdout: {"step":
// "joined"} once in the room (the test starts sharing then), {"step":
// "screen", ...} with what the page shows, {"step": "stopped"}, {"step":
// "done"}; a screenshot into --out.
//
// usage: node web_screen.js --base http://127.0.0.1:PORT --out DIR --room NAME
//        [--chromium /usr/bin/chromium]

'use strict';

const path = require('path');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit } = require('./chromium');

function parseArgs(argv) {
  const o = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    o[k] = argv[++i];
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({ executablePath: o.chromium, headless: true, args: CHROMIUM_ARGS });
  let current = 'start';
  try {
    const context = await browser.newContext({ permissions: ['microphone', 'camera'], viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => emit({ event: 'pageerror', text: String(e) }));
    current = 'login';
    await page.goto(`${o.base}/?account=alice@sylk.test`);
    await page.click('#login-button');
    await page.waitForFunction(() => document.getElementById('reg-state').textContent === 'registered', null, { timeout: 15000 });
    current = 'join';
    await page.fill('#room-name', o.room);
    await page.click('#room-join');
    await page.waitForFunction(() => /established/.test(document.getElementById('room-state').textContent), null, { timeout: 15000 });
    emit({ step: 'joined', ok: true });

    current = 'screen';
    await page.waitForSelector('#room-screens a', { timeout: 40000 });
    const shown = await page.evaluate(() => {
      const pane = [...document.querySelectorAll('#room-screens a')].map((a) => ({ text: a.textContent, href: a.href, target: a.target, rel: a.rel }));
      const chat = [...document.querySelectorAll('#room-chat li')].filter((li) => /sharing a screen/.test(li.textContent))
        .map((li) => ({ text: li.querySelector('.text').textContent, links: [...li.querySelectorAll('a')].map((a) => a.href), status: li.classList.contains('status') }));
      return { pane, chat };
    });
    await page.screenshot({ path: path.join(o.out, 'screen-shared.png'), fullPage: true });
    emit(Object.assign({ step: 'screen', ok: true }, shown));

    current = 'stopped';
    await page.waitForFunction(() => !document.querySelector('#room-screens a') &&
      [...document.querySelectorAll('#room-chat li .text')].some((e) => /stopped sharing a screen$/.test(e.textContent)), null, { timeout: 40000 });
    emit({ step: 'stopped', ok: true });
    await page.click('#room-leave');
    emit({ step: 'done', ok: true });
  } catch (e) {
    emit({ step: current, ok: false, error: String(e && e.stack || e) });
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
