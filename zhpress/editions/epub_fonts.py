"""The EPUB's faces: which text needs which glyphs, the subsets, and fonts.css.

The same table (``FAMILY_RULES``) generates fonts.css and decides which characters go into
which subset, so the CSS and the subsets cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

from ..errors import FontError
from ..typeset.faces import Face
from ..typeset.subset import (
    _NO_GLYPH,
    missing_characters,
    narrow_marks,
    off_centre_marks,
    subset_face,
)

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPS_FOLDER = "EPUB"

# Which face each element uses. The same table generates fonts.css and decides which
# characters go into which subset, so the CSS and the subsets cannot disagree. Selectors are
# a tag name or a .class; the nearest element (itself or an ancestor) that matches decides.
FAMILY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sans", ("h1", "h2", "h3", "h4", "th", ".series", ".kicker", ".label")),
    ("kai", (".lede", ".byline", ".panel", "blockquote", "figcaption")),
)
DEFAULT_FAMILY = "serif"
# epub.css sets <em> in emphasis dots, "text-emphasis: filled dot", which is U+2022 drawn at
# half size by the element's own face; that face's subset needs the glyph. (Measured: the
# dot is small in Noto Serif CJK, 0.06 em; a filled circle, 0.44 em, touches the characters.)
EMPHASIS = ("em", "\u2022")
BOLD_SELECTORS = (
    *("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "th"),  # bold in every browser
    *(".series", ".kicker", ".label"),
)
GENERIC = {"serif": "serif", "sans": "sans-serif", "kai": "serif"}


# --- Faces: which text needs which glyphs -------------------------------------------------


def family_of(role: str) -> str:
    return role.removesuffix("-bold")


def _matches(selector: str, tag: str, classes: list[str]) -> bool:
    return selector[1:] in classes if selector.startswith(".") else selector == tag


def text_by_role(root: Any) -> dict[str, str]:
    """The rendered text of a document (its <body>), grouped by the face role that shows it."""
    found: dict[str, list[str]] = defaultdict(list)

    def visit(element: Any, family: str, bold: bool) -> None:
        if isinstance(element.tag, str):
            tag = etree.QName(element).localname
            classes = (element.get("class") or "").split()
            families = {
                fam for fam, sels in FAMILY_RULES if any(_matches(s, tag, classes) for s in sels)
            }
            if len(families) > 1:
                raise FontError(f"<{tag} class={classes}> matches faces {sorted(families)}")
            family = families.pop() if families else family
            bold = bold or any(_matches(s, tag, classes) for s in BOLD_SELECTORS)
            role = family + ("-bold" if bold else "")
            if tag == EMPHASIS[0]:
                found[role].append(EMPHASIS[1])
            if element.text:
                found[role].append(element.text)
            for child in element:
                visit(child, family, bold)
                if child.tail:
                    found[role].append(child.tail)

    body = root if etree.QName(root).localname == "body" else root.find(f"{{{XHTML_NS}}}body")
    if body is None:
        body = root.find("body")
    visit(body, DEFAULT_FAMILY, False)
    return {role: "".join(parts) for role, parts in found.items()}


def parse_xhtml(xhtml: str) -> Any:
    return etree.fromstring(xhtml.encode("utf-8"))


def glyph_text(documents: list[str]) -> dict[str, str]:
    """Characters per face role over every document (the cover is an image)."""
    roots = [parse_xhtml(x) for x in documents]
    merged: dict[str, set[str]] = defaultdict(set)
    for root in roots:
        for role, text in text_by_role(root).items():
            # Line breaks between elements are markup; a space in Latin text needs its glyph.
            merged[role].update(ch for ch in text if ch not in "\n\r\t")
    return {role: "".join(sorted(chars)) for role, chars in merged.items() if chars}


def with_safety_net(roles: dict[str, str], faces: dict[str, Face]) -> dict[str, str]:
    """Put every character the body face has into its subset too.

    Every font stack ends in the body face, so a character that a heading face somehow lacks
    (a later edit, a CSS rule the table above does not know) still renders in a book face,
    not in whatever the reading app substitutes. Costs a few glyphs: headings repeat body text.
    """
    everything = "".join(roles.values())
    net = set(everything) - set(missing_characters(faces[DEFAULT_FAMILY], everything))
    out = dict(roles)
    out[DEFAULT_FAMILY] = "".join(sorted(set(out.get(DEFAULT_FAMILY, "")) | net))
    return out


def route_narrow_marks(
    roles: dict[str, str], faces: dict[str, Face], traditional: bool = False
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Send marks a face draws narrow (but the body face full-width) to the body face; in a
    Traditional book also the pause and stop marks a face does not centre (the kai face's),
    as the print editions do (``composed_book.full_width_quotes``).

    fonts.css leaves them out of that face's unicode-range, so the browser takes them from the
    next face in the stack, the body face; the subsets follow the same split.
    Returns the new text per role and the characters each role's @font-face leaves out.
    """
    out = {role: set(chars) for role, chars in roles.items()}
    left_out: dict[str, frozenset[str]] = {}
    body = faces[DEFAULT_FAMILY]
    for role, chars in sorted(roles.items()):
        if family_of(role) == DEFAULT_FAMILY or role not in faces:
            continue
        moved = narrow_marks(faces[role], chars) - narrow_marks(body, chars)
        if traditional:
            moved |= off_centre_marks(faces[role], chars) - off_centre_marks(body, chars)
        if moved:
            left_out[role] = frozenset(moved)
            out[role] -= moved
            target = DEFAULT_FAMILY + ("-bold" if role.endswith("-bold") else "")
            out.setdefault(target, set()).update(moved)
    return {r: "".join(sorted(c)) for r, c in out.items() if c}, left_out


def unicode_range(left_out: frozenset[str]) -> str:
    """A CSS unicode-range for every code point except ``left_out``."""
    ranges, start = [], 0
    for cp in sorted(ord(ch) for ch in left_out):
        if cp > start:
            ranges.append((start, cp - 1))
        start = cp + 1
    ranges.append((start, 0x10FFFF))
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in ranges)


def font_file(role: str) -> str:
    return f"fonts/{role}.otf"


def fonts_css(roles: list[str], left_out: dict[str, frozenset[str]] | None = None) -> str:
    """@font-face rules for the embedded subsets and the font stacks from FAMILY_RULES."""
    left_out = left_out or {}
    lines = ['@charset "utf-8";', "/* Generated by zhpress.epub from FAMILY_RULES. */", ""]
    for role in sorted(roles):
        weight = 700 if role.endswith("-bold") else 400
        lines += [
            "@font-face {",
            f'  font-family: "zhpress-{family_of(role)}";',
            "  font-style: normal;",
            f"  font-weight: {weight};",
            f'  src: url("../{font_file(role)}") format("opentype");',
            *([f"  unicode-range: {unicode_range(left_out[role])};"] if role in left_out else []),
            "}",
            "",
        ]

    def stack(family: str) -> str:
        names = [f'"zhpress-{family}"']
        if family != DEFAULT_FAMILY:
            names.append(f'"zhpress-{DEFAULT_FAMILY}"')
        return ", ".join([*names, GENERIC[family]])

    lines += ["body {", f"  font-family: {stack(DEFAULT_FAMILY)};", "}", ""]
    for family, selectors in FAMILY_RULES:
        lines += [", ".join(selectors) + " {", f"  font-family: {stack(family)};", "}", ""]
    lines += [", ".join(BOLD_SELECTORS) + " {", "  font-weight: bold;", "}", ""]
    return "\n".join(lines)


def subsets_for(roles: dict[str, str], faces: dict[str, Face]) -> dict[str, bytes]:
    """One CFF subset per role, checked after the fact: every character has a glyph."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    out = {}
    for role, chars in sorted(roles.items()):
        if role not in faces:
            raise FontError(f"the styles use a '{role}' face, which is not configured")
        data = subset_face(faces[role], chars, cff=True)
        font = TTFont(BytesIO(data), lazy=True)
        cmap = font.getBestCmap()
        # Layout characters (zero-width space, joiners, BOM) are never cut into a subset.
        lost = [ch for ch in chars if ord(ch) not in cmap and ch not in _NO_GLYPH]
        if lost or font.sfntVersion != "OTTO":
            raise FontError(f"'{role}' subset lacks {lost!r} or is not CFF", path=faces[role].path)
        out[role] = data
    return out
