"""Resolve every face the styles need to one exact font file (and face index in a collection).

fontconfig silently substitutes a missing family with whatever it has, and a substituted CJK
face is the classic ruined print run. So a face is accepted only when the file's own name
table says it is the family and style we asked for; otherwise the build stops and says which
package to install. Cutting the faces to the book's characters is ``subset``; measuring them
for the composer is ``shaper``.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import FontError


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

VARIANT_SUFFIX = " SC"
"""The Noto CJK families end in their variant; a Traditional book takes the TC (or HK) face of
the same family from the same collection file. LXGW WenKai, the kai face, has no variants:
it covers the 5,401 common characters of Big5 (measured), but sets its pause and stop marks
in the bottom left of the em, as Simplified Chinese does, so a Traditional book borrows those
marks from its serif face (``off_centre_marks``)."""


def faces_for(variant: str = "SC") -> tuple[FaceSpec, ...]:
    """The default faces for a script variant (SC, TC or HK, from ``Book.variant``)."""
    if variant == "SC":
        return DEFAULT_FACES
    return tuple(
        replace(spec, family=spec.family.removesuffix(VARIANT_SUFFIX) + " " + variant)
        if spec.family.endswith(VARIANT_SUFFIX)
        else spec
        for spec in DEFAULT_FACES
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
    """The index of the face named ``family``/``style`` in a file or collection, if any.

    Reading the name tables of a 26 MB CJK collection takes a tenth of a second per face,
    every build, so the answer is cached by the file's identity (path, size, mtime)."""
    import json

    from .. import cache

    try:
        stat = path.stat()
        identity = [str(path.resolve()), stat.st_size, stat.st_mtime_ns]
    except OSError:
        identity = None
    key = cache.key_of({"what": "face-index", "file": identity, "face": [family, style]})
    if identity is not None:
        found = cache.load("fonts", key)
        if found is not None:
            return json.loads(found)
    result = None
    for index in range(_collection_size(path)):
        if matches(path, index, family, style):
            result = index
            break
    if identity is not None:
        cache.store("fonts", key, json.dumps(result).encode())
    return result


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
    # fc-list only when the usual file is not there: it costs a process per face per build.
    for candidates in (
        lambda: [Path(p) for p in spec.fallback_paths],
        lambda: _fc_list(spec.family, spec.style),
    ):
        for path in candidates():
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
    variant: str = "SC",
) -> dict[str, Face]:
    """Every face by role, defaults first (in the ``variant``'s faces: SC, TC or HK), each
    override from book.yaml's ``fonts:`` applied."""
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
    for spec in faces_for(variant):
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
