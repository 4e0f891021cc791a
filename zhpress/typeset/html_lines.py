"""Composed lines as HTML for WeasyPrint: justification by letter-spacing and margins.

In: the lines ``compose`` broke (glyphs, the gap after each, trims). Out: HTML in which no
character of layout is added, so the PDF's text layer is exactly the manuscript.
"""

from __future__ import annotations

from markupsafe import Markup

from . import widegap


def _pt(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _span(text: str, left: float = 0.0, right: float = 0.0, css: str = "", cls: str = "") -> str:
    """``text`` escaped, in a span only when it needs margins (in pt) or a style."""
    from markupsafe import escape

    styles = [css] if css else []
    if abs(left) > 5e-4:
        styles.append(f"margin-left:{_pt(left)}pt")
    if abs(right) > 5e-4:
        styles.append(f"margin-right:{_pt(right)}pt")
    if not styles and not cls:
        return str(escape(text))
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' style="{";".join(styles)}"' if styles else ""
    return f"<span{attrs}>{escape(text)}</span>"


def lines_html(lines, base_role: str) -> Markup:
    """Composed lines as HTML, separated by newlines; a justified line is a span with its
    letter-spacing, marks compressed and Western runs spaced with margins. Never a character
    of layout: the text layer stays exactly the manuscript.

    letter-spacing adds its amount after every character of the line, so a gap that must
    differ from it (a compressed mark, 1/4 em, the inside of a Western word) is corrected
    with a margin on the character or the Western run.

    The 1/4 em between an ideograph and a Western run is not a margin but part of the
    ideograph: its wide form (``widegap``), so that no extractor reads a space there."""
    out: list[str] = []
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        s = line.spacing
        # Only a justified line needs its own span (for its letter-spacing): every element
        # is a box, a computed style and a structure element in the tagged PDF to WeasyPrint.
        # For the same reason lines end with a newline in a white-space: pre block, not a
        # <br> (an element with a generated '\A' of its own); the newline is a forced break,
        # never drawn, so the text layer is the same.
        if s:
            out.append(f'<span class="ln" style="letter-spacing:{_pt(s)}pt">')
        glyphs = line.glyphs
        last = len(glyphs) - 1
        role_open = base_role
        i = 0
        while i <= last:
            g = glyphs[i]
            if g.role != role_open:
                if role_open != base_role:
                    out.append("</span>")
                if g.role != base_role:
                    out.append(f'<span class="f-{g.role}">')
                role_open = g.role
            if g.western:
                # A Western word or number: no letter-spacing inside; its margins carry the
                # gaps on either side (1/4 em next to Chinese, justification next to marks).
                j = i
                while j < last and glyphs[j + 1].western and glyphs[j + 1].role == g.role:
                    j += 1
                # Only the piece of a run wider than the measure is letter-spaced (its gaps
                # are all the same); its last letter's spacing is taken back by the margin.
                inside = line.after[i] if j > i else 0.0
                left = line.after[i - 1] - s if i > 0 and not glyphs[i - 1].western else 0.0
                right = (line.after[j] if j < last else 0.0) - inside
                # Less the 1/4 em the ideograph beside it carries in its wide form (widegap).
                left -= glyphs[i - 1].pad_right if i > 0 else 0.0
                right -= glyphs[j + 1].pad_left if j < last else 0.0
                text = "".join(x.text for x in glyphs[i : j + 1])
                css = f"letter-spacing:{_pt(inside)}pt" if inside else "letter-spacing:0"
                out.append(_span(text, left, right, css=css, cls="w"))
                i = j + 1
                continue
            left = -line.trim_start if i == 0 else 0.0
            if i == last:
                right = -line.trim_end
            elif glyphs[i + 1].western:
                right = 0.0  # the Western run's margin-left carries this gap
            else:
                right = line.after[i] - s  # compression of adjacent marks
            wide_right = bool(g.pad_right) and i < last and glyphs[i + 1].western
            wide_left = bool(g.pad_left) and i > 0 and glyphs[i - 1].western
            out.append(_span(g.text, left, right, css=widegap.css(wide_right, wide_left)))
            i += 1
        if role_open != base_role:
            out.append("</span>")
        if s:
            out.append("</span>")
    return Markup("".join(out))
