"""A footnote sits at the foot of the page its call is on, even when the call is on the page's
last line (WeasyPrint could put the note on the page before the call's)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import EPOCH, ROOT, write_book
from zhpress.manuscript.markdown import note_mark

TEXT = (
    "改革是推进新型工业化的核心动力，佛山积累的试点经验为继续以改革措施推进新型工业化奠定了坚实基础"
)


def test_every_note_is_on_its_calls_page_including_the_last_line(tmp_path):
    paragraphs, notes = [], []
    for i in range(1, 41):  # calls at the ends of paragraphs of many lengths: some end a page
        paragraphs.append((TEXT * 3)[: 20 + (i * 7) % 40] + f"。注在行末[^{i}]")
        notes.append(f"[^{i}]: 第{i}条注释，说明此处所引的材料。")
    body = "\n\n".join(paragraphs + notes)
    root = write_book(
        tmp_path / "book",
        {"01-a.md": f"---\npanelist: 王小明\ntitle: 注释测试\n---\n\n{body}\n"},
        "title: 注释测试\nchapters:\n  - 01-a.md\n",
    )
    out = tmp_path / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "build.py",
            "build",
            "--book",
            str(root),
            "--out",
            str(out),
            "--only",
            "reader",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page.replace(" ", "") for page in text.split("\f")]
    last_line_calls = 0
    for i in range(1, 41):
        mark = note_mark(i)
        note_page = next(n for n, p in enumerate(pages) if f"第{i}条注释" in p)
        assert pages[note_page].count(mark) == 2, f"note {mark} is not on its call's page"
        lines = [line for line in pages[note_page].split("\n") if line.strip()]
        first_note = next(
            k
            for k, line in enumerate(lines)
            if line.startswith(
                note_mark(min(j for j in range(1, 41) if f"第{j}条注释" in pages[note_page]))
            )
        )
        if lines[first_note - 1].endswith(mark):
            last_line_calls += 1
    assert last_line_calls >= 1, "no call fell on a page's last line: the test proves nothing"
