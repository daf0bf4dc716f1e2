// SPDX-License-Identifier: GPL-2.0-or-later
// Chat text for the demo app: a message cut into plain text and http(s)
// links (the app makes each link an <a>, never HTML from the text), and
// the room's screen-sharing notices, worded by the conference focus
// (conference/room/screen_share.h, screen_share_notice()).

// a URL runs to the next space or a character no URL needs and chat puts
// around one (quotes, angle brackets)
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/g;

// punctuation that ends a sentence after a URL is the sentence's, and so
// is a closing parenthesis the URL did not open
function trimUrl(url) {
  for (;;) {
    const last = url.at(-1);
    if ('.,;:!?'.includes(last)) url = url.slice(0, -1);
    else if (last === ')' && !url.includes('(')) url = url.slice(0, -1);
    else return url;
  }
}

/** [{ text }, { text, href }, ...]: @p text in order, its http(s) URLs as links. */
export function linkParts(text) {
  const s = String(text ?? '');
  const parts = [];
  let at = 0;
  for (const m of s.matchAll(URL_RE)) {
    const url = trimUrl(m[0]);
    if (!/^https?:\/\/[^/]/.test(url)) continue;
    if (m.index > at) parts.push({ text: s.slice(at, m.index) });
    parts.push({ text: url, href: url });
    at = m.index + url.length;
  }
  if (at < s.length || parts.length === 0) parts.push({ text: s.slice(at) });
  return parts;
}

/** A screen-sharing notice of the room: { name, url, sharing: true } when
 * NAME starts sharing, { name, sharing: false } when NAME stopped, else null. */
export function screenNotice(text) {
  const s = String(text ?? '');
  let m = /^(.+) is sharing a screen: (https?:\/\/\S+)$/.exec(s);
  if (m) return { name: m[1], url: m[2], sharing: true };
  m = /^(.+) stopped sharing a screen$/.exec(s);
  return m ? { name: m[1], sharing: false } : null;
}

/** The room's screens after @p notice (a Map name -> url, changed in place). */
export function applyScreenNotice(screens, notice) {
  if (!notice) return screens;
  if (notice.sharing) screens.set(notice.name, notice.url);
  else screens.delete(notice.name);
  return screens;
}
