"""The reader PDF's structure tree, made whole for PDF/UA-1 before the file is written.

WeasyPrint 70 tags the PDF (``weasyprint/pdf/tags.py``) one page at a time, and an
accessibility audit of the reader edition found what that leaves behind:

- the running heads and folios (page margin boxes) are marked ``/Span <</MCID n>>`` in the
  content streams, but their structure elements hang from nothing: content that is neither
  in the structure tree nor an artifact;
- the contents' leader dots are tagged as text of the link (nineteen "·" read aloud);
- every box of a link (the ``a``, its spans, its ``::after`` number, the leader) gets an
  annotation of its own, most of them attached to a ``/Span``, each with ``/Contents`` ``c1``;
- an element that crosses a page (a contribution, a paragraph) becomes two elements, one on
  each page: a screen reader announces two paragraphs;
- the colophon's ``dl > div > dt/dd`` becomes ``L > Div > LI > LBody``, with empty items for
  the rows that continue the previous label.

``finish`` mends this on WeasyPrint's own PDF objects (pydyf) through the ``finisher`` hook of
``write_pdf``, after the tags are built and before the file is serialised: no second parse of
the written file, so it costs milliseconds (a pikepdf pass costs more than the time the reader
build has to spare against plain WeasyPrint). What it needs to know about the HTML behind each
structure element (which element, which pseudo-element, whether it is a leader) it learns
from ``observed``, which watches WeasyPrint's tree builder without changing what it does.

Everything here depends on how WeasyPrint 70.0 builds the tree; pyproject pins that version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Ref = bytes  # a pydyf indirect reference, b"12 0 R"


@dataclass
class Origin:
    """What WeasyPrint built a structure element from: the HTML element (shared by all the
    boxes of that element, on every page), its tag with a pseudo-element (``a::after``) and
    whether the box is a ``leader()``."""

    element: Any
    tag: str | None
    leader: bool

    def same_as(self, other: Origin) -> bool:
        return self.element is other.element and self.tag == other.tag


@dataclass
class Observation:
    """Structure element number -> its ``Origin``, filled while WeasyPrint tags a document."""

    origins: dict[int, Origin] = field(default_factory=dict)


@contextmanager
def observed() -> Iterator[Observation]:
    """Record, for every structure element WeasyPrint's tagger creates, the box it came from.

    ``tags._build_box_tree`` calls itself through the module's global name, so wrapping that
    global sees every level of the recursion. The wrapper only records and passes every
    element on unchanged; the original is put back when the block ends."""
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    observation = Observation()
    original = getattr(tags, "_build_box_tree", None)
    if original is None:  # another WeasyPrint than the pinned one: mend what needs no origins
        yield observation
        return

    def recording(box: Any, *args: Any) -> Iterator[Any]:
        seen = box._box if isinstance(box, AbsolutePlaceholder) else box
        for element in original(box, *args):
            # The html, body and page boxes pass their descendants' elements on: the
            # innermost call, which made the element, has recorded it first.
            if element.number not in observation.origins:
                observation.origins[element.number] = Origin(
                    seen.element,
                    None if seen.element is None else seen.element_tag,
                    seen.is_leader,
                )
            yield element

    tags._build_box_tree = recording
    try:
        yield observation
    finally:
        tags._build_box_tree = original


class _Tree:
    """The pydyf objects of the structure tree, looked up by reference."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.root = self.get(pdf.catalog["StructTreeRoot"])
        self.document = self.get(self.root["K"][0])
        self.pages: tuple[Ref, ...] = pdf.page_references
        self.page_index = {ref: n for n, ref in enumerate(self.pages)}
        self.dropped: set[int] = set()  # numbers of the objects emptied on the way

    def get(self, ref: Ref) -> Any:
        return self.pdf.objects[int(ref.split()[0])]

    def is_element(self, kid: Any) -> bool:
        return isinstance(kid, bytes) and self.get(kid).get("Type") == "/StructElem"

    def is_objr(self, kid: Any) -> bool:
        return isinstance(kid, bytes) and self.get(kid).get("Type") == "/OBJR"

    def elements(self, start: Any = None) -> Iterator[Any]:
        """Every structure element under ``start`` (the Document by default), depth first."""
        stack = [start if start is not None else self.document]
        while stack:
            element = stack.pop()
            yield element
            kids = [self.get(k) for k in element["K"] if self.is_element(k)]
            stack.extend(reversed(kids))


def finish(pdf: Any, document: Any, observation: Observation) -> None:
    """Make the tagged reader PDF's structure whole (see the module's docstring)."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = _Tree(pdf)
    origins = observation.origins
    in_tree = {element.number for element in tree.elements()}
    pagination = _outside(tree, in_tree)
    _mend_links(tree, origins, _titles(document))
    _drop_leaders(tree, origins)
    _join_across_pages(tree, tree.document, origins)
    _mend_definition_lists(tree, origins)
    _renumber_content(tree, pagination)
    _clear_orphans(tree, {element.number for element in tree.elements()})
    _compact(pdf, tree.dropped)


def _outside(tree: _Tree, in_tree: set[int]) -> set[tuple[int, int]]:
    """(page, MCID) of the marked content whose element WeasyPrint kept out of the tree: the
    page margin boxes, that is the running heads and folios."""
    nums = tree.get(tree.root["ParentTree"])["Nums"]
    outside = set()
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if key < len(tree.pages):
            for mcid, ref in enumerate(value):
                if tree.get(ref).number not in in_tree:
                    outside.add((key, mcid))
    return outside


def _titles(document: Any) -> dict[str, str]:
    """Link target id -> the title of what it points to: the ``data-running`` title of the
    element's heading (the plain-text title of a contribution), else the heading's text."""
    roots: dict[int, Any] = {}
    for page in document.pages:
        for box in page._page_box.children:
            if box.element is not None and box.element_tag == "html":
                roots.setdefault(id(box.element), box.element)
    titles: dict[str, str] = {}
    for root in roots.values():
        for element in root.iter():
            target = element.get("id")
            if target and target not in titles:
                titles[target] = _title_of(element)
    return titles


def _title_of(element: Any) -> str:
    for inner in element.iter():
        if inner.get("data-running"):
            return inner.get("data-running")
    for inner in element.iter():
        if isinstance(inner.tag, str) and inner.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            return "".join(inner.itertext()).strip()
    return "".join(element.itertext()).strip()


def _rect(annotation: Any) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in annotation["Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _inside(inner: Any, outer: Any, slack: float = 1.0) -> bool:
    a, b = _rect(inner), _rect(outer)
    return (
        a[0] >= b[0] - slack
        and a[1] >= b[1] - slack
        and a[2] <= b[2] + slack
        and a[3] <= b[3] + slack
    )


def _mend_links(tree: _Tree, origins: dict[int, Origin], titles: dict[str, str]) -> None:
    """One ``/Link`` element per ``a``, holding the link's annotations; its inner boxes,
    which WeasyPrint tags ``/Link`` or ``/Span`` with annotations of their own, become plain
    ``/Span``. An annotation lying inside another of the same link only doubles it for a
    screen reader (and for the tab order): it is dropped. The kept ones say where they go."""
    import pydyf

    links = [
        element
        for element in tree.elements()
        if element["S"] == "/Link" and getattr(origins.get(element.number), "tag", None) == "a"
    ]
    for link in links:
        objrs: list[Ref] = []
        for inner in tree.elements(link):
            if inner is not link and inner["S"] == "/Link":
                inner["S"] = "/Span"
            objrs += [kid for kid in inner["K"] if tree.is_objr(kid)]
            inner["K"] = pydyf.Array(kid for kid in inner["K"] if not tree.is_objr(kid))
        kept: list[Ref] = []
        for objr in objrs:
            annotation = tree.get(tree.get(objr)["Obj"])
            if any(_inside(annotation, tree.get(tree.get(k)["Obj"])) for k in kept):
                _drop_annotation(tree, objr)
            else:
                kept.append(objr)
        target = origins[link.number].element.get("href", "").removeprefix("#")
        for objr in kept:
            tree.get(tree.get(objr)["Obj"])["Contents"] = pydyf.String(titles.get(target, target))
        link["K"] = pydyf.Array([*kept, *link["K"]])


def _drop_annotation(tree: _Tree, objr: Ref) -> None:
    """Take an annotation off its page; it and its OBJR are emptied (pydyf cannot delete
    an object, and an empty dictionary that nothing refers to is inert)."""
    import pydyf

    record = tree.get(objr)
    page = tree.get(record["Pg"])
    page["Annots"] = pydyf.Array(ref for ref in page["Annots"] if ref != record["Obj"])
    if not page["Annots"]:
        del page["Annots"]
    for obj in (tree.get(record["Obj"]), record):
        obj.clear()
        tree.dropped.add(obj.number)


def _drop_leaders(tree: _Tree, origins: dict[int, Origin]) -> None:
    """Leader dots (``leader()``) are layout, not text: out of the tree, so that
    ``_renumber_content`` marks them as artifacts."""
    import pydyf

    for element in list(tree.elements()):
        origin = origins.get(element.number)
        if origin is not None and origin.leader:
            parent = tree.get(element["P"])
            parent["K"] = pydyf.Array(kid for kid in parent["K"] if kid != element.reference)


def _absorb(tree: _Tree, into: Any, other: Any) -> None:
    """Move ``other``'s kids to the end of ``into``'s. Marked content on another page than
    ``into``'s /Pg is referred to by a marked-content reference that names its page."""
    import pydyf

    for kid in other["K"]:
        if isinstance(kid, int) and other["Pg"] != into["Pg"]:
            kid = pydyf.Dictionary({"Type": "/MCR", "Pg": other["Pg"], "MCID": kid})
        elif tree.is_element(kid):
            tree.get(kid)["P"] = into.reference
        into["K"].append(kid)
    other["K"] = pydyf.Array()


def _join_across_pages(tree: _Tree, parent: Any, origins: dict[int, Origin]) -> None:
    """Siblings that are one HTML element (or pseudo-element) continued on the next page
    become one element: a contribution, then at the junction its paragraph, then a span."""
    import pydyf

    joined: list[Any] = []
    for kid in parent["K"]:
        if joined and tree.is_element(joined[-1]) and tree.is_element(kid):
            before, after = tree.get(joined[-1]), tree.get(kid)
            first, then = origins.get(before.number), origins.get(after.number)
            if first and then and first.same_as(then) and before["Pg"] != after["Pg"]:
                _absorb(tree, before, after)
                continue
        joined.append(kid)
    parent["K"] = pydyf.Array(joined)
    for kid in joined:
        if tree.is_element(kid):
            _join_across_pages(tree, tree.get(kid), origins)


def _mend_definition_lists(tree: _Tree, origins: dict[int, Origin]) -> None:
    """``dl > div > dt + dd`` (the colophon) as ``L > LI > Lbl + LBody``. WeasyPrint makes
    each ``div`` a ``Div`` holding an ``LI > LBody`` per ``dt`` and per ``dd``. A row with an
    empty ``dt`` continues the item above (the fonts: one label, three faces): its text goes
    into that item's body instead of making an item without a label."""
    import pydyf

    for element in list(tree.elements()):
        origin = origins.get(element.number)
        if origin is None or origin.tag != "dl" or element["S"] != "/L":
            continue
        items: list[Ref] = []
        last_body: Any = None
        for row_ref in element["K"]:
            row = tree.get(row_ref)
            label, bodies = _row_parts(tree, row, origins)
            if label is None and not bodies:
                continue
            if label is None and last_body is not None:
                for body in bodies:
                    _absorb(tree, last_body, body)
                continue
            row["S"] = "/LI"
            row["K"] = pydyf.Array()
            if label is not None:
                label["S"] = "/Lbl"
                label["P"] = row.reference
                row["K"].append(label.reference)
            if bodies:
                last_body = bodies[0]
                for body in bodies[1:]:
                    _absorb(tree, last_body, body)
                last_body["P"] = row.reference
                row["K"].append(last_body.reference)
            items.append(row_ref)
        element["K"] = pydyf.Array(items)


def _row_parts(tree: _Tree, row: Any, origins: dict[int, Origin]) -> tuple[Any, list[Any]]:
    """A ``dl`` row's non-empty ``dt`` body (or None) and its non-empty ``dd`` bodies."""
    label, bodies = None, []
    wrappers = [tree.get(kid) for kid in row["K"] if tree.is_element(kid)]
    if row["S"] == "/LI":
        wrappers = [row]
    for wrapper in wrappers:
        tag = getattr(origins.get(wrapper.number), "tag", None)
        for kid in wrapper["K"]:
            if not tree.is_element(kid) or not tree.get(kid)["K"]:
                continue
            if tag == "dt":
                label = tree.get(kid)
            elif tag == "dd":
                bodies.append(tree.get(kid))
    return label, bodies


def _marked_content(tree: _Tree) -> dict[int, list[tuple[list[Any], int]]]:
    """Page -> where its marked-content property lists (``<</MCID n>>``) are in the content
    streams: (chunk list, index). A transparency group drawn on a page has a stream of its
    own that shares the page's tag dictionary, which tells whose page it is."""
    import pydyf

    pages_of: dict[int, int] = {}
    for n, ref in enumerate(tree.pages):
        stream = tree.get(tree.get(ref)["Contents"])
        pages_of[id(stream._tags)] = n
    found: dict[int, list[tuple[list[Any], int]]] = {}
    for obj in tree.pdf.objects:
        page = pages_of.get(id(getattr(obj, "_tags", None)))
        if page is None:
            continue
        chunks = obj.stream
        for index, chunk in enumerate(chunks):
            if type(chunk) is pydyf.Dictionary and "MCID" in chunk:
                found.setdefault(page, []).append((chunks, index))
    return found


def _renumber_content(tree: _Tree, pagination: set[tuple[int, int]]) -> None:
    """Make the content streams and the ParentTree agree with the mended tree.

    Marked content that no element refers to any more is an artifact: the page margin
    boxes' a pagination artifact, leader dots a layout one. On each page the MCIDs left are
    numbered 0, 1, 2 … again, and the ParentTree is built anew from the tree, with the
    annotations' /StructParent keys after the pages'."""
    import pydyf

    owners: dict[int, dict[int, Ref]] = {n: {} for n in range(len(tree.pages))}
    holders: list[tuple[Any, int, Any]] = []  # (K array or MCR, index or -1, page)
    annotations: list[tuple[Any, Ref]] = []
    for element in tree.elements():
        page = tree.page_index[element["Pg"]] if "Pg" in element else None
        for i, kid in enumerate(element["K"]):
            if isinstance(kid, int):
                owners[page][kid] = element.reference
                holders.append((element["K"], i, page))
            elif isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/MCR":
                mcr_page = tree.page_index[kid["Pg"]]
                owners[mcr_page][kid["MCID"]] = element.reference
                holders.append((kid, -1, mcr_page))
            elif tree.is_objr(kid):
                annotations.append((tree.get(tree.get(kid)["Obj"]), element.reference))
    numbers = {
        page: {old: new for new, old in enumerate(sorted(kept))} for page, kept in owners.items()
    }
    for page, places in _marked_content(tree).items():
        for chunks, index in places:
            old = chunks[index]["MCID"]
            if old in numbers[page]:
                chunks[index] = pydyf.Dictionary({"MCID": numbers[page][old]})
            else:
                kind = "/Pagination" if (page, old) in pagination else "/Layout"
                chunks[index - 1] = "/Artifact"
                chunks[index] = pydyf.Dictionary({"Type": kind})
    for holder, index, page in holders:
        if index < 0:
            holder["MCID"] = numbers[page][holder["MCID"]]
        else:
            holder[index] = numbers[page][holder[index]]
    nums = pydyf.Array()
    for page, kept in owners.items():
        nums += [page, pydyf.Array(kept[old] for old in sorted(kept))]
    for key, (annotation, element) in enumerate(annotations, start=len(tree.pages)):
        annotation["StructParent"] = key
        nums += [key, element]
    tree.get(tree.root["ParentTree"])["Nums"] = nums


def _clear_orphans(tree: _Tree, alive: set[int]) -> None:
    """Empty the structure elements the tree no longer holds, for ``_compact`` to leave out."""
    for obj in tree.pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.number not in alive:
            obj.clear()
            tree.dropped.add(obj.number)


_REFERENCE = re.compile(rb"(\d+) 0 R")


def _compact(pdf: Any, dropped: set[int]) -> None:
    """Leave out the objects emptied above and number the others 1, 2, 3 … again.

    pydyf writes every object it holds and cannot mark one free, so without this the file
    would carry a hundred unreferenced empty dictionaries, which a preflight reports. pydyf
    and WeasyPrint refer to an object only as ``b"N 0 R"`` values in dictionaries and arrays
    (``Object.reference``), except the page tree's ``Kids`` (``N, 0, 'R'`` triples): both
    are rewritten. Must run last: a reference taken as bytes before it would be stale. If
    anything still refers to a dropped object (a bug above), nothing is renumbered: the
    file keeps the empty objects and stays valid."""
    if not dropped:
        return
    kept = [obj for obj in pdf.objects if obj.number not in dropped]
    places: list[tuple[Any, Any, int]] = []  # (container, key, object number)
    seen: set[int] = set()

    def find(value: Any) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, bytes):
                match = _REFERENCE.fullmatch(item)
                if match:
                    places.append((value, key, int(match[1])))
            elif isinstance(item, dict | list):
                find(item)

    for obj in kept:
        if isinstance(obj, dict | list):
            find(obj)
        if hasattr(obj, "extra"):  # a stream's dictionary
            find(obj.extra)
    if any(number in dropped for _, _, number in places):
        return
    numbers = {obj.number: new for new, obj in enumerate(kept)}
    for container, key, number in places:
        container[key] = f"{numbers[number]} 0 R".encode()
    kids = pdf.pages["Kids"]
    for i in range(0, len(kids), 3):
        kids[i] = numbers[kids[i]]
    for new, obj in enumerate(kept):
        obj.number = new
    pdf.objects[:] = kept
