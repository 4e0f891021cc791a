"""The 1/4 em between Han and Western text, written into the EPUB's markup.

CSS ``text-autospace`` gives 1/8 em in Chromium and WebKit and nothing in older engines (calibre's
converter on the way to Kindle and Kobo, Adobe's RMSDK). So each Western word or number that
meets an ideograph (CLREQ 3.2.2, ``cjk.quarter_em_boundaries``) is wrapped in a span whose
margin gives the 1/4 em on the side that touches Han, and only there ("3，" gets none). No
character is inserted: search in a reading app still finds 3万亿, and copied text is unchanged.

Browsers do not trim inline margins at a line's edge, so a run whose margin fell at a line start
would indent that line, and one at a line end would leave the justified line short. The run is
therefore bound to the ideograph its margin faces: both sit in a ``white-space: nowrap`` span,
so a line never breaks between them and the margin is always between two glyphs::

    突<span class="nb">破<span class="w sb sa">3</span>万</span>亿元

A Western run is never broken inside anyway (it has no spaces: ``cjk.western_runs``).
"""

from __future__ import annotations

from html import escape, unescape

from markupsafe import Markup

from ..cjk import is_ideograph, western_runs

SPACE_BEFORE = "sb"  # Han before the run: margin-left
SPACE_AFTER = "sa"  # Han after the run: margin-right


def _spaced_runs(text: str, before: str, after: str) -> list[tuple[int, int, bool, bool]]:
    """(start, end, Han before, Han after) for each run of ``text`` that meets Han.

    ``before``/``after`` are the visible characters just outside ``text`` (across tags).
    """
    found = []
    for start, end in western_runs(text):
        if not any(ch.isalnum() for ch in text[start:end]):
            continue  # a lone sign ("人工智能+") is not spaced
        left = text[start - 1] if start else before
        right = text[end] if end < len(text) else after
        han_before, han_after = (
            bool(left) and is_ideograph(left),
            bool(right) and is_ideograph(right),
        )
        if han_before or han_after:
            found.append((start, end, han_before, han_after))
    return found


def _bound_groups(
    text: str, runs: list[tuple[int, int, bool, bool]]
) -> list[tuple[int, int, list[tuple[int, int, bool, bool]]]]:
    """Runs together with the ideographs their margins face, merged where they share one
    ("3万4" is one unbreakable group)."""
    groups: list[tuple[int, int, list[tuple[int, int, bool, bool]]]] = []
    for run in runs:
        start, end, han_before, han_after = run
        lo = start - 1 if han_before and start > 0 else start
        hi = end + 1 if han_after and end < len(text) else end
        if groups and lo < groups[-1][1]:
            g_lo, _, members = groups[-1]
            groups[-1] = (g_lo, hi, [*members, run])
        else:
            groups.append((lo, hi, [run]))
    return groups


def _span(text: str, run: tuple[int, int, bool, bool]) -> str:
    start, end, han_before, han_after = run
    classes = ["w"]
    if han_before:
        classes.append(SPACE_BEFORE)
    if han_after:
        classes.append(SPACE_AFTER)
    return f'<span class="{" ".join(classes)}">{escape(text[start:end], quote=False)}</span>'


def space_text(text: str, before: str = "", after: str = "") -> str:
    """Plain ``text`` as markup with its Han/Western boundaries spaced (see module doc)."""
    runs = _spaced_runs(text, before, after)
    if not runs:
        return escape(text, quote=False)
    out, at = [], 0
    for lo, hi, members in _bound_groups(text, runs):
        out.append(escape(text[at:lo], quote=False))
        inner, pos = [], lo
        for run in members:
            inner.append(escape(text[pos : run[0]], quote=False))
            inner.append(_span(text, run))
            pos = run[1]
        inner.append(escape(text[pos:hi], quote=False))
        body = "".join(inner)
        # A group that binds nothing (its Han neighbour is across a tag) needs no wrapper.
        bound = hi - lo > sum(r[1] - r[0] for r in members)
        out.append(f'<span class="nb">{body}</span>' if bound else body)
        at = hi
    out.append(escape(text[at:], quote=False))
    return "".join(out)


def space_html(html: str) -> Markup:
    """Inline XHTML (``markdown_inline``'s output, or escaped text) with every Han/Western
    boundary spaced. Tags are kept as they are; only text between them is rewritten."""
    import re

    parts = re.split(r"(<[^>]*>)", str(html))
    texts = [unescape(p) if i % 2 == 0 else "" for i, p in enumerate(parts)]
    visible = "".join(texts)
    out, offset = [], 0
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
            continue
        text = texts[i]
        before = visible[offset - 1] if offset else ""
        after = visible[offset + len(text)] if offset + len(text) < len(visible) else ""
        spaced = bool(text) and bool(_spaced_runs(text, before, after))
        out.append(space_text(text, before, after) if spaced else part)
        offset += len(text)
    return Markup("".join(out))


def spaced(value: str) -> Markup:
    """The templates' ``| spaced`` filter: plain text (a title, a name) is escaped first, so
    a ``<`` or ``&`` in the manuscript stays text in the XHTML; markup passes as it is."""
    from markupsafe import escape

    return space_html(escape(value))
