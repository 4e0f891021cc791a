"""No script, event handler, ``javascript:`` link, remote resource or PDF action in any edition.

A manuscript is data (manuscript/references.py keeps it in its folder and the templates escape
it); this check proves it on the files the build wrote.
"""

from __future__ import annotations

import re

from .outputs import ERROR, OK, PDFS, Finding, Outputs, _tool_problem

_PDF_ACTIVE = {"/JS", "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMedia"}
_EVENT_ATTRIBUTE = re.compile(r"^on[a-z]+$", re.I)


def check_active_content(out: Outputs) -> list[Finding]:
    """No script, event handler, javascript: link or remote resource in any edition."""
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            used = out.names(edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "safety", exc))
            continue
        found = set()
        for names in used.values():
            found |= names & _PDF_ACTIVE
        if found:
            findings.append(Finding(edition, "safety", ERROR, f"active content: {sorted(found)}"))
        else:
            findings.append(Finding(edition, "safety", OK, "no script or action"))
    if out.has("epub"):
        try:
            docs = out.epub()
        except Exception as exc:
            return [*findings, Finding("epub", "safety", ERROR, f"cannot read the EPUB: {exc}")]
        problems = []
        for name, root in docs.items():
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                tag = element.tag.rsplit("}", 1)[-1].lower()
                if tag in ("script", "iframe", "object", "embed"):
                    problems.append(f"{name}: <{tag}> element")
                for attr, value in element.attrib.items():
                    local = attr.rsplit("}", 1)[-1]
                    if _EVENT_ATTRIBUTE.match(local):
                        problems.append(f"{name}: event attribute {local}=")
                    elif local in ("href", "src") and value.strip().lower().startswith(
                        ("javascript:", "data:text/html")
                    ):
                        problems.append(f"{name}: {local}={value[:40]!r}")
                    elif local == "src" and re.match(r"^[a-z][a-z0-9+.-]*:", value.strip(), re.I):
                        problems.append(f"{name}: remote resource {value[:60]!r}")
        findings += [Finding("epub", "safety", ERROR, p) for p in problems[:10]] or [
            Finding("epub", "safety", OK, "no script, event attribute or remote resource")
        ]
    return findings
