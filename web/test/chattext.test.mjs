// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests of web/lib/chattext.mjs: links in chat text and the room's
// screen-sharing notices (`node --test web/test/`, make web-test).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyScreenNotice, linkParts, screenNotice } from '../lib/chattext.mjs';

const URL = 'http://127.0.0.1:10888/conference/screen/0123456789abcdef0123456789abcdef';

test('plain text stays one part', () => {
  assert.deepEqual(linkParts('hello <b>there</b>'), [{ text: 'hello <b>there</b>' }]);
  assert.deepEqual(linkParts(''), [{ text: '' }]);
  assert.deepEqual(linkParts(undefined), [{ text: '' }]);
});

test('http and https URLs become links, the text around them stays', () => {
  assert.deepEqual(linkParts(`bob is sharing a screen: ${URL}`), [
    { text: 'bob is sharing a screen: ' }, { text: URL, href: URL }]);
  assert.deepEqual(linkParts('see https://a.example/x?y=1&z=2 and http://b.example/'), [
    { text: 'see ' }, { text: 'https://a.example/x?y=1&z=2', href: 'https://a.example/x?y=1&z=2' },
    { text: ' and ' }, { text: 'http://b.example/', href: 'http://b.example/' }]);
});

test('sentence punctuation and unopened parentheses are not part of a link', () => {
  assert.deepEqual(linkParts('(at https://a.example/p).'), [
    { text: '(at ' }, { text: 'https://a.example/p', href: 'https://a.example/p' }, { text: ').' }]);
  assert.deepEqual(linkParts('https://en.example/wiki/A_(b)!'), [
    { text: 'https://en.example/wiki/A_(b)', href: 'https://en.example/wiki/A_(b)' }, { text: '!' }]);
});

test('no links from other schemes, quotes or markup', () => {
  for (const s of ['javascript:alert(1)', 'ftp://x.example/', 'http:/x', 'https://']) {
    assert.ok(linkParts(s).every((p) => !p.href), s);
  }
  const parts = linkParts('<a href="http://evil.example/">x</a>');
  assert.deepEqual(parts.filter((p) => p.href).map((p) => p.href), ['http://evil.example/']);
  assert.equal(parts.map((p) => p.text).join(''), '<a href="http://evil.example/">x</a>');
});

test('screen notices of the room are read, other text is not one', () => {
  assert.deepEqual(screenNotice(`Bob Smith is sharing a screen: ${URL}`),
    { name: 'Bob Smith', url: URL, sharing: true });
  assert.deepEqual(screenNotice('sip:bob@sylk.test stopped sharing a screen'),
    { name: 'sip:bob@sylk.test', sharing: false });
  assert.equal(screenNotice('bob joined'), null);
  assert.equal(screenNotice('is sharing a screen: javascript:x'), null);
  assert.equal(screenNotice(`I think bob is sharing a screen: ${URL} too`), null);
});

test('the room pane keeps one link per sharer until it stops', () => {
  const screens = new Map();
  applyScreenNotice(screens, screenNotice(`bob is sharing a screen: ${URL}`));
  applyScreenNotice(screens, screenNotice(`carol is sharing a screen: ${URL}x`));
  applyScreenNotice(screens, screenNotice('nothing'));
  assert.deepEqual([...screens], [['bob', URL], ['carol', `${URL}x`]]);
  applyScreenNotice(screens, screenNotice('bob stopped sharing a screen'));
  assert.deepEqual([...screens], [['carol', `${URL}x`]]);
});
