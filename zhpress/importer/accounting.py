"""Account for every character of the source: kept, changed (by which rule), dropped as layout,
or carried by a manuscript key; and refuse an import that would lose a text character.

The manuscript contract (docs/MANUSCRIPT.md, "Text conservation") says every text character
of the source reaches the manuscript exactly once. Each character the importer emits carries its
source offset, so this check is exact, not a statistical comparison of character counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from .decode import Decoded
from .normalize import Change, Chars

DROP_LABELS = {
    "layout-spaces": "OCR spaces between Chinese and digits/Latin (rule layout-spaces)",
    "ocr-spaces": "OCR spaces between Chinese characters (rule ocr-spaces)",
    "headline-separator": "space between overline and headline",
    "edge-space": "spaces at the edge of an item",
    "merged-columns": "space between two columns' tops OCR merged (rule merged-columns)",
}


@dataclass
class Account:
    path: Path
    decoded: Decoded
    total: int = 0
    kept: int = 0
    changed: Counter = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    labels: str = ""
    inserted: int = 0
    furniture: int = 0
    lost: int = 0

    def render(self) -> str:
        d = self.decoded
        rows = [
            f"conservation account for {self.path} ({d.encoding}, {d.newline} line ends, "
            f"{d.size} bytes)",
            f"  source characters (line ends included)  {self.total:6d}",
            f"  kept unchanged                          {self.kept:6d}",
            f"  changed by a rule                       {sum(self.changed.values()):6d}",
        ]
        rows += [f"    {rule:38s}{n:6d}" for rule, n in sorted(self.changed.items())]
        rows += [f"      {c}" for c in self.changes]
        rows.append(f"  dropped as layout                       {sum(self.dropped.values()):6d}")
        rows += [f"    {what:38s}{n:6d}" for what, n in sorted(self.dropped.items())]
        rows.append(f"  page furniture (see the review list)    {self.furniture:6d}")
        rows.append(
            f"  label carried by the key 'moderator'    {len(self.labels):6d}"
            + (f"  ({self.labels})" if self.labels else "")
        )
        rows.append(f"  inserted (space between Latin words)    {self.inserted:6d}")
        rows.append(f"  lost                                    {self.lost:6d}")
        return "\n".join(rows)


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def account(
    text: str,
    items: list[Chars],
    log: list[Change],
    labels: list[int],
    decoded: Decoded,
    path: Path,
) -> Account:
    acc = Account(path=path, decoded=decoded, total=len(text))
    covered = Counter(origin for chars in items for _, origin in chars)
    acc.inserted = covered.pop(-1, 0)
    changed: dict[int, Change] = {}
    dropped: dict[int, Change] = {}
    for change in log:
        if change.after:
            changed[change.origin] = change
        else:
            dropped[change.origin] = change
    label_set = set(labels)
    lost: list[int] = []
    twice: list[int] = []
    for i, ch in enumerate(text):
        if covered.get(i, 0) > 1 and (i not in changed or changed[i].rule != "nfc"):
            twice.append(i)
        if ch == "\n":
            acc.dropped["line ends (including blank lines)"] += 1
        elif i in covered:
            if i in changed:
                c = changed[i]
                acc.changed[c.rule] += 1
                line, col = _where(text, i)
                acc.changes.append(f"{c.rule}: line {line} col {col}: {c.before} -> {c.after}")
            else:
                acc.kept += 1
        elif i in dropped:
            c = dropped[i]
            if c.rule == "nfc":
                acc.changed["nfc"] += 1
            elif c.rule == "furniture":
                acc.furniture += 1
            else:
                acc.dropped[DROP_LABELS.get(c.rule, c.rule)] += 1
        elif i in label_set:
            acc.labels += ch
        elif ch.isspace() or ch == "\ufeff":
            acc.dropped["indents and spaces at line edges"] += 1
        else:
            lost.append(i)
    acc.lost = len(lost)
    if lost:
        line, col = _where(text, lost[0])
        sample = "".join(text[i] for i in lost[:20])
        raise SourceError(
            f"the import would lose {len(lost)} text character(s), first at column {col}: "
            f"{sample!r}",
            path=path,
            line=line,
            hint="this is a bug in the importer; please report it with the source file",
        )
    if twice:
        line, col = _where(text, twice[0])
        raise SourceError(
            f"the import would duplicate {len(twice)} character(s), first at column {col}",
            path=path,
            line=line,
            hint="this is a bug in the importer; please report it with the source file",
        )
    return acc
