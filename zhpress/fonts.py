"""Resolve every face the styles need to one exact font file (and face index in a collection).

fontconfig silently substitutes a missing family with whatever it has, and a substituted CJK
face is the classic ruined print run. So a face is accepted only when the file's own name
table says it is the family and style we asked for; otherwise the build stops and says which
package to install.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import FontError


@dataclass(frozen=True)
class FaceSpec:
    role: str
    family: str
    style: str
    weight: int
    package: str
    """Debian package that ships the face, for the install hint."""
    fallback_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Face:
    role: str
    family: str
    style: str
    weight: int
    path: Path
    index: int = 0

    @property
    def css_family(self) -> str:
        """The family name the generated CSS uses; one per role so no two faces collide."""
        return f"zhpress-{self.role}"


NOTO = "/usr/share/fonts/opentype/noto/"
WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/"

DEFAULT_FACES: tuple[FaceSpec, ...] = (
    FaceSpec(
        "serif",
        "Noto Serif CJK SC",
        "Regular",
        400,
        "fonts-noto-cjk",
        (NOTO + "NotoSerifCJK-Regular.ttc",),
    ),
    FaceSpec(
        "serif-bold",
        "Noto Serif CJK SC",
        "Bold",
        700,
        "fonts-noto-cjk",
        (NOTO + "NotoSerifCJK-Bold.ttc",),
    ),
    FaceSpec(
        "sans",
        "Noto Sans CJK SC",
        "Regular",
        400,
        "fonts-noto-cjk",
        (NOTO + "NotoSansCJK-Regular.ttc",),
    ),
    FaceSpec(
        "sans-bold",
        "Noto Sans CJK SC",
        "Bold",
        700,
        "fonts-noto-cjk",
        (NOTO + "NotoSansCJK-Bold.ttc",),
    ),
    FaceSpec(
        "kai",
        "LXGW WenKai",
        "Regular",
        400,
        "fonts-lxgw-wenkai",
        (WENKAI + "LXGWWenKai-Regular.ttf",),
    ),
    FaceSpec(
        "kai-bold",
        "LXGW WenKai",
        "Bold",
        700,
        "fonts-lxgw-wenkai",
        (WENKAI + "LXGWWenKai-Bold.ttf",),
    ),
)

FONT_SUFFIXES = (".otf", ".ttf", ".ttc", ".otc")
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


def _face_names(path: Path, index: int) -> tuple[set[str], set[str]]:
    """Family and subfamily names the face declares (typographic names 16/17 and legacy 1/2)."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), fontNumber=index, lazy=True)
    except Exception as exc:  # fontTools raises many kinds on a damaged file
        raise FontError(f"cannot read font file: {exc}", path=path) from None
    try:
        name = font["name"]
        families = {str(n) for n in name.names if n.nameID in (1, 16)}
        styles = {str(n) for n in name.names if n.nameID in (2, 17)}
    finally:
        font.close()
    return families, styles


def _collection_size(path: Path) -> int:
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[:4] != b"ttcf":
        return 1
    return int.from_bytes(head[8:12], "big")


def matches(path: Path, index: int, spec_family: str, spec_style: str) -> bool:
    families, styles = _face_names(path, index)
    return spec_family in families and spec_style in styles


def find_index(path: Path, family: str, style: str) -> int | None:
    """The index of the face named ``family``/``style`` in a file or collection, if any."""
    for index in range(_collection_size(path)):
        if matches(path, index, family, style):
            return index
    return None


def _fc_list(family: str, style: str) -> list[Path]:
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(
            ["fc-list", f"{family}:style={style}", "file"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    paths = []
    for line in out.splitlines():
        line = line.strip().rstrip(":")
        if line:
            paths.append(Path(line))
    return sorted(paths)


def _install_hint(spec: FaceSpec) -> str:
    return (
        f"install it with 'apt-get install {spec.package}' (or 'make book', which does), "
        f"or point fonts: {spec.role}: at a file of that face in book.yaml"
    )


@lru_cache(maxsize=64)
def _resolve_default(spec: FaceSpec) -> Face:
    candidates = [Path(p) for p in spec.fallback_paths] + _fc_list(spec.family, spec.style)
    for path in candidates:
        if path.is_file():
            index = find_index(path, spec.family, spec.style)
            if index is not None:
                return Face(spec.role, spec.family, spec.style, spec.weight, path, index)
    raise FontError(
        f"font face '{spec.family} {spec.style}' ({spec.role}) is not installed",
        hint=_install_hint(spec),
    )


def _resolve_override(spec: FaceSpec, value: Any, book_root: Path, yaml_path: Path) -> Face:
    """An override from book.yaml: ``path`` (relative to the book or a system font folder),
    optional ``family``/``style`` to check against, optional ``index`` in a collection."""
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or "path" not in value:
        raise FontError(
            f"fonts: {spec.role}: must be a path or a mapping with 'path'", path=yaml_path
        )
    raw = Path(str(value["path"]))
    path = raw if raw.is_absolute() else (book_root / raw)
    path = path.resolve()
    allowed = [
        book_root.resolve(),
        *SYSTEM_FONT_DIRS,
        Path.home() / ".fonts",
        Path.home() / ".local/share/fonts",
    ]
    if not any(path.is_relative_to(d) for d in allowed):
        raise FontError(
            f"font file for '{spec.role}' is outside the book folder and the system font folders",
            path=yaml_path,
        )
    family = str(value.get("family", spec.family))
    style = str(value.get("style", spec.style))
    if not path.is_file():
        raise FontError(
            f"font file for '{spec.role}' ({family} {style}) does not exist: {raw}",
            path=yaml_path,
            hint=_install_hint(spec),
        )
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise FontError(f"'{raw}' is not an OpenType/TrueType font file", path=yaml_path)
    if "index" in value:
        index = int(value["index"])
        if not matches(path, index, family, style):
            families, styles = _face_names(path, index)
            raise FontError(
                f"'{raw}' face {index} is {sorted(families)} {sorted(styles)}, "
                f"not the '{family} {style}' asked for",
                path=yaml_path,
            )
    else:
        found = find_index(path, family, style)
        if found is None:
            families, styles = _face_names(path, 0)
            raise FontError(
                f"'{raw}' is {sorted(families)} {sorted(styles)}, not '{family} {style}'",
                path=yaml_path,
                hint="set fonts: ROLE: family: and style: to the face's real names",
            )
        index = found
    return Face(spec.role, family, style, spec.weight, path, index)


def resolve_faces(
    overrides: dict[str, Any] | None = None,
    book_root: Path | None = None,
    yaml_path: Path | None = None,
    roles: tuple[str, ...] | None = None,
) -> dict[str, Face]:
    """Every face by role, defaults first, each override from book.yaml's ``fonts:`` applied."""
    overrides = overrides or {}
    if not isinstance(overrides, dict):
        raise FontError("'fonts' in book.yaml must be a mapping of role: path", path=yaml_path)
    known = {spec.role for spec in DEFAULT_FACES}
    unknown = set(overrides) - known
    if unknown:
        raise FontError(
            f"unknown font role(s) {sorted(unknown)}; known roles: {sorted(known)}",
            path=yaml_path,
        )
    faces = {}
    for spec in DEFAULT_FACES:
        if roles is not None and spec.role not in roles:
            continue
        if spec.role in overrides:
            faces[spec.role] = _resolve_override(
                spec, overrides[spec.role], book_root or Path.cwd(), yaml_path or Path("book.yaml")
            )
        else:
            faces[spec.role] = _resolve_default(spec)
    return faces


@lru_cache(maxsize=64)
def cmap_of(path: Path, index: int) -> frozenset[int]:
    """Code points the face maps to a glyph, for the 'no tofu' check."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


# --- Subsets and metrics -------------------------------------------------------------------
#
# The PDF is made from subsets we cut ourselves: one small file per face holding only the
# characters the book uses. WeasyPrint is pointed at these files by @font-face url(), so it has
# nothing to substitute, and the composer measures advances in the very same files, so the
# lines it justifies are the lines WeasyPrint draws. Cutting a subset from a 20 MB collection
# takes about a second, so subsets are cached by (file identity, face, characters).

SUBSET_VERSION = "1"
# Vertical-writing features would only pull in glyphs a horizontal book never shows.
_DROPPED_FEATURES = ("vert", "vrt2", "vkna", "vkrn", "vpal", "vhal", "valt", "vrtr")


def cache_dir() -> Path:
    """Where subsets live: ``$ZHPRESS_CACHE`` or ``.cache/`` beside the package."""
    import os

    root = os.environ.get("ZHPRESS_CACHE")
    base = Path(root) if root else Path(__file__).resolve().parent.parent / ".cache"
    return base / "fonts"


def _subset_key(face: Face, chars: str) -> str:
    import hashlib

    stat = face.path.stat()
    digest = hashlib.sha256()
    for part in (SUBSET_VERSION, str(face.path), str(stat.st_size), str(stat.st_mtime_ns)):
        digest.update(part.encode() + b"\0")
    digest.update(f"{face.index}\0{''.join(sorted(set(chars)))}".encode())
    return digest.hexdigest()[:20]


def _cut_subset(face: Face, chars: str) -> bytes:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index, recalcBBoxes=False, recalcTimestamp=False)
    tags: set[str] = set()
    for table in ("GSUB", "GPOS"):
        if table in font and font[table].table.FeatureList is not None:
            tags |= {r.FeatureTag for r in font[table].table.FeatureList.FeatureRecord}
    options = subset.Options()
    options.layout_features = sorted(tags - set(_DROPPED_FEATURES))
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(c) for c in chars}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_face(face: Face, chars: str) -> Path:
    """A font file with only ``chars`` of ``face`` (plus .notdef), from the cache if present."""
    import os
    import tempfile

    directory = cache_dir()
    suffix = ".otf" if face.path.suffix.lower() in (".otf", ".otc", ".ttc") else ".ttf"
    target = directory / f"{face.role}-{_subset_key(face, chars)}{suffix}"
    if target.is_file():
        return target
    data = _cut_subset(face, chars)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".subset-", dir=directory)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, target)
    return target


class Shaper:
    """Advances and ink extents of one font file, shaped as Pango shapes them (HarfBuzz).

    State is real here: the HarfBuzz font and the caches live as long as one build.
    """

    def __init__(self, path: Path, language: str = "zh-Hans") -> None:
        import uharfbuzz as hb

        self.path = path
        self.language = language
        self._data = path.read_bytes()
        self._font = hb.Font(hb.Face(self._data))
        self.upem = self._font.face.upem
        self._cache: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self._ink: dict[str, tuple[float, float, float]] = {}

    def shape(self, text: str, script: str) -> list[tuple[str, float]]:
        """Clusters of ``text`` and their advances in em, shaped with ``script`` (ISO 15924)."""
        key = (text, script)
        found = self._cache.get(key)
        if found is not None:
            return found
        import uharfbuzz as hb

        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction = "ltr"
        buf.script = script
        buf.language = self.language
        hb.shape(self._font, buf, {})
        starts = sorted({info.cluster for info in buf.glyph_infos})
        advance = dict.fromkeys(starts, 0)
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            advance[info.cluster] += pos.x_advance
        bounds = [*starts, len(text)]
        result = [
            (text[bounds[i] : bounds[i + 1]], advance[starts[i]] / self.upem)
            for i in range(len(starts))
        ]
        self._cache[key] = result
        return result

    def ink(self, ch: str) -> tuple[float, float, float]:
        """(advance, ink left, ink right) of a character in em, for punctuation compression."""
        found = self._ink.get(ch)
        if found is not None:
            return found
        glyph = self._font.get_nominal_glyph(ord(ch))
        if glyph is None:
            result = (0.0, 0.0, 0.0)
        else:
            extents = self._font.get_glyph_extents(glyph)
            advance = self._font.get_glyph_h_advance(glyph) / self.upem
            left = extents.x_bearing / self.upem if extents else 0.0
            right = (extents.x_bearing + extents.width) / self.upem if extents else 0.0
            result = (advance, left, right)
        self._ink[ch] = result
        return result

    def has(self, ch: str) -> bool:
        return self._font.get_nominal_glyph(ord(ch)) is not None
