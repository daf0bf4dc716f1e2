// SPDX-License-Identifier: GPL-2.0-or-later
// What every Chromium driver of the tests shares: the flags a headless
// Chromium (Debian's /usr/bin/chromium, never a downloaded one) needs for
// fake media on a loopback-only host, the JSON-lines output, and a loopback
// HTTP server for the test pages (a secure context, and a real
// http://127.0.0.1 Origin for the server's allow-list).

'use strict';

const http = require('http');

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// routes: {'/page.html': {type: 'text/html; charset=utf-8', body: () => text}}
function servePages(routes) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const route = routes[req.url.split('?')[0]];
      if (!route) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': route.type });
      res.end(route.body());
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

module.exports = { CHROMIUM_ARGS, emit, servePages };
