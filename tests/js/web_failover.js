// SPDX-License-Identifier: GPL-2.0-or-later
// The demo web app (web/) in headless Chromium against a cluster: alice logs
// in with the WebSocket URLs of two nodes, the first one is killed by the
// test, and the page must come back registered through the second and
// receive a message there. Steps as JSON lines on stdout; the test answers
// on stdin ("killed" once it has killed the first node).
//
// usage: node web_failover.js --base http://127.0.0.1:PORT --servers "ws://... ws://..."
//        --out DIR [--text T] [--chromium /usr/bin/chromium]

'use strict';

const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, emit } = require('./chromium');

function parseArgs(argv) {
  const o = { chromium: '/usr/bin/chromium', text: 'after the failover' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    o[k] = argv[++i];
  }
  return o;
}

function lineFromTest() {
  const rl = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) => rl.once('line', (l) => {
    rl.close();
    process.stdin.destroy(); // nothing more to read: let the process end
    resolve(l.trim());
  }));
}

const registered = () => document.getElementById('reg-state').textContent === 'registered';

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({ executablePath: o.chromium, headless: true, args: CHROMIUM_ARGS });
  let current = 'login';
  let page;
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    page.on('pageerror', (e) => emit({ event: 'pageerror', text: String(e) }));
    await page.goto(`${o.base}/?account=alice@sylk.test`);
    await page.fill('#login-server', o.servers);
    await page.click('#login-button');
    await page.waitForFunction(registered, null, { timeout: 15000 });
    emit({ step: 'registered', conn: await page.textContent('#conn-state') });

    current = 'failover';
    if (await lineFromTest() !== 'killed') throw new Error('the test did not kill the node');
    // the drop is seen, then the page is registered again (on the next node)
    await page.waitForFunction(() => document.getElementById('conn-state').textContent !== 'ready', null, { timeout: 20000 });
    const lost = await page.textContent('#conn-state');
    await page.waitForFunction(registered, null, { timeout: 30000 });
    emit({ step: 'reregistered', lost, errors: await page.textContent('#errors') });

    current = 'message';
    await page.waitForFunction((t) => document.getElementById('message-list').textContent.includes(t), o.text, { timeout: 20000 });
    emit({ step: 'message', list: await page.textContent('#message-list') });
    await page.screenshot({ path: path.join(o.out, 'failover.png'), fullPage: true });
    emit({ step: 'done' });
  } catch (e) {
    emit({ step: 'failed', at: current, error: String(e) });
    if (page) await page.screenshot({ path: path.join(o.out, 'failover-failed.png'), fullPage: true }).catch(() => {});
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
