"""A chapter's body as Markdown blocks: paragraphs, headings, quotes, lists, tables, figures,
section breaks and footnotes, each with the line it starts on.

The body is parsed with markdown-it-py (CommonMark, the footnote plugin of mdit-py-plugins and
GFM pipe tables), not Python-Markdown. CommonMark is what keeps Chinese text text: a heading
needs ``## `` with its space (``#话题#`` stays a hashtag), ``1)`` and nested lists follow its
list rules, and its delimiter algorithm keeps deep or unbalanced brackets linear. Its tokens
carry their source lines, so every warning names ``chapter:line``.

Raw HTML is data, never markup: an HTML comment is an editor's note and is dropped; any
other HTML stays as the text it is (``markdown.py`` escapes it inline).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import BookError
from .model import Block, Inline

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with footnotes and pipe tables; raw HTML recognised (so that a comment can
    be dropped) but never passed through; character references left as text."""
    from mdit_py_plugins.footnote import footnote_plugin

    # Footnotes as the contract has them, text[^1] and [^1]: note; not pandoc's inline ^[note],
    # which the contract does not name and whose empty form ^[] crashed the plugin.
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True}).use(
        footnote_plugin, inline=False
    )
    md.enable("table")
    # '&copy;' typed in a manuscript is seven characters of text, not ©.
    md.disable("entity")
    # An indented line is a paragraph's continuation or text, never a code block: the OCR's
    # and editors' indents are layout (docs/MANUSCRIPT.md).
    md.disable("code")
    # Nor is a fence (``` or ~~~) a code block: the contract names none, and the reader
    # dropped its lines (a line of tildes vanished from every edition). Its lines are text.
    md.disable("fence")
    return md


def parse_body(
    body: str, first_line: int, path: Path
) -> tuple[tuple[Block, ...], tuple[Block, ...]]:
    """The body's blocks and its footnotes ("note" blocks numbered 1, 2 … in order of their
    first reference). ``first_line`` is the file's line of the body's first line."""
    env: dict = {}
    tokens = parser().parse(body, env)
    order = env.get("footnotes", {}).get("list", {})
    notes_map = tuple((entry["label"], number + 1) for number, entry in sorted(order.items()))
    references = tuple(
        sorted(
            (label, ref["href"], first_line + (ref.get("map") or [0])[0])
            for label, ref in env.get("references", {}).items()
        )
    )
    inline = Inline(references, notes_map)
    reader = _Reader(tokens, first_line, inline, path)
    blocks = tuple(reader.blocks_until(None))
    notes = tuple(sorted(reader.notes, key=lambda n: int(n.info)))
    return blocks, notes


class _Reader:
    """Walks the flat token stream once, building the block tree."""

    def __init__(self, tokens: list[Token], first_line: int, inline: Inline, path: Path):
        self.tokens = tokens
        self.pos = 0
        self.first = first_line
        self.inline = inline
        self.path = path
        self.notes: list[Block] = []

    def line(self, token: Token) -> int:
        return self.first + (token.map[0] if token.map else 0)

    def blocks_until(self, close: str | None) -> list[Block]:
        out: list[Block] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if close is not None and token.type == close:
                self.pos += 1
                return out
            block = self.block()
            if block is not None:
                out.append(block)
        return out

    def block(self) -> Block | None:
        token = self.tokens[self.pos]
        kind = token.type
        self.pos += 1
        if kind == "paragraph_open":
            text, line, image = self.inline_text(), self.line(token), None
            self.pos += 1  # paragraph_close
            image = _lone_image(self.tokens[self.pos - 2])
            if image is not None:
                return Block(image[0], line, "figure", info=image[1], inline=self.inline)
            return Block(text, line, "p", inline=self.inline)
        if kind == "heading_open":
            level = min(max(int(token.tag[1]), 2), 4)
            text = self.inline_text()
            self.pos += 1
            return Block(text, self.line(token), f"h{level}", inline=self.inline)
        if kind == "blockquote_open":
            children = self.blocks_until("blockquote_close")
            return Block("", self.line(token), "quote", tuple(children))
        if kind in ("ordered_list_open", "bullet_list_open"):
            close = kind.replace("_open", "_close")
            # A list may start at 0 (CommonMark): no `or 1`, which would number it from 1.
            first = token.attrGet("start")
            start = ("1" if first is None else str(first)) if kind.startswith("ordered") else ""
            items = self.blocks_until(close)
            return Block("", self.line(token), "ol" if start else "ul", tuple(items), start)
        if kind == "list_item_open":
            children = self.blocks_until("list_item_close")
            return Block("", self.line(token), "li", tuple(children))
        if kind == "hr":
            return Block("", self.line(token), "hr")
        if kind == "table_open":
            return self.table(token)
        if kind == "html_block":
            rest = _COMMENT.sub("", token.content).strip()
            return Block(rest, self.line(token), "p", inline=self.inline) if rest else None
        if kind == "footnote_block_open":
            self.footnotes()
            return None
        return None  # closing tokens of structures read elsewhere

    def inline_text(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token.content

    def table(self, open_token: Token) -> Block:
        rows: list[Block] = []
        head = False
        row: list[Block] = []
        line = self.line(open_token)
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token.type == "table_close":
                break
            if token.type == "thead_open":
                head = True
            elif token.type == "thead_close":
                head = False
            elif token.type == "tr_open":
                row, line = [], self.line(token)
            elif token.type == "tr_close":
                rows.append(Block("", line, "tr", tuple(row), "head" if head else ""))
            elif token.type in ("th_open", "td_open"):
                style = str(token.attrGet("style") or "")
                align = style.removeprefix("text-align:") if style else ""
                text = self.inline_text()
                row.append(Block(text, line, token.tag, info=align, inline=self.inline))
        return Block("", self.line(open_token), "table", tuple(rows))

    def footnotes(self) -> None:
        """The footnote definitions the plugin gathered at the end: one "note" block each,
        its paragraphs joined (a note is set as one paragraph)."""
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token.type == "footnote_block_close":
                return
            if token.type != "footnote_open":
                continue
            number = int(token.meta["id"]) + 1
            texts: list[str] = []
            line = None
            while self.tokens[self.pos].type != "footnote_close":
                inner = self.tokens[self.pos]
                if inner.type == "inline":
                    texts.append(inner.content)
                    if line is None:
                        line = self.line(inner)
                self.pos += 1
            self.pos += 1
            self.notes.append(
                Block(
                    "\n".join(texts),
                    line or self.first,
                    "note",
                    info=str(number),
                    inline=self.inline,
                )
            )


def _lone_image(inline: Token) -> tuple[str, str] | None:
    """(alt source, target) when the paragraph is one image and nothing else: a figure."""
    children = [
        c
        for c in inline.children or []
        if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"
    ]
    if len(children) != 1 or children[0].type != "image":
        return None
    image = children[0]
    source = inline.content.strip()
    match = re.match(r"!\[(.*)\]", source, re.DOTALL)
    alt = match.group(1) if match else image.content
    return alt, str(image.attrGet("src") or "")


def unreferenced_note(text: str, path: Path, first_line: int) -> None:
    """A footnote defined but never referenced would vanish from every edition: refuse it."""
    for number, raw in enumerate(text.split("\n"), first_line):
        match = re.match(r"^ {0,3}\[\^([^\]\s]+)\]:", raw)
        if match and f"[^{match.group(1)}]" not in text.replace(match.group(0), "", 1):
            raise BookError(
                f"the footnote [^{match.group(1)}] is never referenced, so it would appear "
                "in no edition",
                path=path,
                line=number,
                hint=f"put [^{match.group(1)}] after the words it explains, or delete the note",
            )
