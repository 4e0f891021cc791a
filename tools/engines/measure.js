// Measures how a browser engine laid out the justified paragraphs of one EPUB chapter.
//
// Runs inside the page (WebKitGTK through tools/engines/webkit.js, Chromium headless through
// tests/engine_layout.py), so both engines are measured by the same code. Every character's box
// comes from Range.getClientRects(); characters are grouped into lines by their vertical middle.
// The caller defines NO_LINE_START (marks CLREQ forbids at a line start) before this file.
//
// zhpressMeasure() returns, for the engine, the viewport width and per paragraph:
//   lines: [{start, end, first, second, last}]  start/end: the ink's distance (em) from the
//          content box's left and right edges (negative when a mark hangs outside), first and
//          second: the line's first two characters, last: the paragraph's final line,
//          lead: the width (em) of the line's first unbreakable unit;
//   gaps:  [{pair, em}]           the space between a Han character and a Western run beside it.
// Text is never changed: the page is measured as the reading system shows it.

/* global NO_LINE_START */
/* exported zhpressMeasure */

const IDEOGRAPH = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/;
// Part of a Western word or number (zhpress.cjk.is_western_run_char): printable, not wide.
const WESTERN = /[!-~\u00a1-\u00b6\u00b8-\u024f]/;
const ALNUM = /[0-9A-Za-z\u00c0-\u024f]/;

function naturalWidth(cache, ch, element) {
  // The character's own advance in the element's font, outside any justified line.
  const style = getComputedStyle(element);
  const key = `${style.fontFamily}|${style.fontWeight}|${style.fontSize}|${ch}`;
  if (!(key in cache)) {
    const probe = document.createElement("span");
    probe.textContent = ch;
    probe.style.cssText = "position:absolute;left:0;top:0;white-space:pre;visibility:hidden;" +
      `font-family:${style.fontFamily};font-weight:${style.fontWeight};` +
      `font-size:${style.fontSize};text-autospace:no-autospace;letter-spacing:normal`;
    document.body.appendChild(probe);
    cache[key] = probe.getBoundingClientRect().width;
    probe.remove();
  }
  return cache[key];
}

function characters(paragraph, cache) {
  // Every visible character of the paragraph with its box and natural advance, in text order.
  const out = [];
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (/\s/.test(ch)) {
        out.push({ ch, space: true });
        continue;
      }
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = [...range.getClientRects()].find((r) => r.width > 0);
      if (!rect) continue;
      out.push({
        ch,
        unit: node.parentElement.closest(".nb"), // bound to its neighbours: no break inside
        left: rect.left,
        right: rect.right,
        middle: (rect.top + rect.bottom) / 2,
        natural: naturalWidth(cache, ch, node.parentElement),
      });
    }
  }
  return out;
}

function westernRunsWithLetters(chars) {
  // Marks each character that belongs to a Western run holding a letter or digit.
  let i = 0;
  while (i < chars.length) {
    if (chars[i].space || !WESTERN.test(chars[i].ch)) {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && !chars[j].space && WESTERN.test(chars[j].ch)) j++;
    const alnum = chars.slice(i, j).some((c) => ALNUM.test(c.ch));
    for (let k = i; k < j; k++) chars[k].western = alnum;
    i = j;
  }
}

function measureParagraph(paragraph, cache) {
  const style = getComputedStyle(paragraph);
  const em = parseFloat(style.fontSize);
  const box = paragraph.getBoundingClientRect();
  const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
  const chars = characters(paragraph, cache);
  westernRunsWithLetters(chars);

  const lines = [];
  let line = null;
  for (const c of chars) {
    if (c.space) continue;
    if (!line || c.middle > line.middle + em / 2) {
      line = { middle: c.middle, chars: [] };
      lines.push(line);
    }
    line.chars.push(c);
  }

  const gaps = [];
  for (let i = 1; i < chars.length; i++) {
    const a = chars[i - 1];
    const b = chars[i];
    if (a.space || b.space || b.middle > a.middle + em / 2) continue; // not side by side
    const boundary = (IDEOGRAPH.test(a.ch) && b.western) || (a.western && IDEOGRAPH.test(b.ch));
    if (!boundary) continue;
    // The blank between the two glyphs: the engine may put extra advance after a glyph
    // (justification, autospace) or before it; the larger reading is the one that happened.
    const after = b.left - (a.left + a.natural);
    const before = b.right - b.natural - a.right;
    gaps.push({ pair: a.ch + b.ch, em: Math.max(after, before) / em });
  }

  // The first unbreakable unit of a line: its bound group (.nb), or its first character with
  // the next one when CLREQ keeps them together (a mark that may not start a line after it,
  // or an opening mark that may not end one). A line that cannot stretch is full when the
  // next line's unit would not have fitted on it.
  const lead = (l) => {
    const [a, b] = l.chars;
    let right = a.right;
    if (a.unit) {
      for (const c of l.chars) if (c.unit === a.unit) right = Math.max(right, c.right);
    } else if (b && (NO_LINE_START.includes(b.ch) || "‘“（《〈「『【〔〖［｛".includes(a.ch))) {
      right = b.right;
    }
    return (right - a.left) / em;
  };

  return {
    text: paragraph.textContent.slice(0, 12),
    em,
    lines: lines.map((l, n) => ({
      first: l.chars[0].ch,
      second: l.chars.length > 1 ? l.chars[1].ch : "",
      start: (Math.min(...l.chars.map((c) => c.left)) - left) / em,
      end: (right - Math.max(...l.chars.map((c) => c.right))) / em,
      last: n === lines.length - 1,
      lead: lead(l),
    })),
    gaps,
  };
}

function zhpressMeasure() {
  const cache = {};
  const paragraphs = [...document.querySelectorAll("p")].filter(
    (p) => getComputedStyle(p).textAlign === "justify" && p.textContent.trim() !== "",
  );
  return {
    engine: navigator.userAgent,
    viewport: document.documentElement.clientWidth,
    noLineStart: NO_LINE_START,
    paragraphs: paragraphs.map((p) => measureParagraph(p, cache)),
  };
}
