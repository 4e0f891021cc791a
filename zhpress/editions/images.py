"""The manuscript's images in the editions: where each file is, how large it prints, and the
press edition's copy in the printer's colour space.

A figure fills the measure it stands in (less when that would make it taller than half the
text block); an inline image is one em square, the space the composer gave it. The press
edition never receives an RGB image: each is converted with Pillow's ImageCms from sRGB (or
the file's own profile) to the output intent's CMYK profile, or kept grey when it is grey,
and stored by content under the cache, so a rebuild converts nothing.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import BookError
from ..manuscript.model import Block, Book, Chapter

FIGURE_MAX_HEIGHT = 0.5
"""A figure is at most half the text block tall."""
PRINT_PPI = 300
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class Picture:
    """One image file of the book and its pixel size."""

    target: str  # as written in the manuscript
    path: Path
    pixels: tuple[int, int]

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.path.suffix.lower(), "application/octet-stream")


def picture(book: Book, target: str, where: Path, line: int) -> Picture:
    """The file ``target`` names (inside the book, checked by ``references``), read once."""
    from urllib.parse import unquote

    from PIL import Image, UnidentifiedImageError

    path = book.root / unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path.is_file():
        raise BookError(
            f"the image '{target}' does not exist",
            path=where,
            line=line,
            hint="copy the image into the book folder and refer to it relatively",
        )
    if path.suffix.lower() not in MEDIA_TYPES or path.suffix.lower() in (".svg", ".webp"):
        raise BookError(
            f"the image '{target}' is not a PNG, JPEG or GIF file",
            path=where,
            line=line,
            hint="save it as PNG or JPEG",
        )
    try:
        with Image.open(path) as image:
            size = image.size
    except (OSError, UnidentifiedImageError):
        raise BookError(f"the image '{target}' cannot be read", path=where, line=line) from None
    return Picture(target, path, size)


def fitted(pixels: tuple[int, int], width: float, max_height: float) -> tuple[float, float]:
    """(width, height) in pt of an image set ``width`` pt wide, no taller than ``max_height``."""
    w, h = pixels
    height = width * h / w
    if height > max_height:
        width, height = max_height * w / h, max_height
    return width, height


def ppi(pixels: tuple[int, int], width_pt: float) -> float:
    """Pixels per inch of an image printed ``width_pt`` wide."""
    return pixels[0] / (width_pt / 72.0)


def chapter_images(chapter: Chapter) -> list[tuple[Block, str, str]]:
    """(block, target, alt) of every image of a chapter, figures and inline, in order."""
    from ..manuscript.markdown import inline_images

    found = []
    for leaf in [*chapter.leaves(), *chapter.notes]:
        if leaf.kind == "figure":
            found.append((leaf, leaf.info, leaf.text))
        else:
            found += [(leaf, target, alt) for target, alt in inline_images(leaf)]
    return found


def press_copy(source: Path, icc: Path) -> Path:
    """``source`` as a CMYK JPEG (or a grey one) in the output intent's profile, cached by the
    content of both files."""
    from ..cache import cache_root

    digest = hashlib.sha256(source.read_bytes() + icc.read_bytes()).hexdigest()[:24]
    target = cache_root() / "images" / f"{digest}.jpg"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    data = _convert(source, icc)
    temporary = target.with_suffix(f".{digest[:6]}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    return target


def _convert(source: Path, icc: Path) -> bytes:
    from PIL import Image, ImageCms

    with Image.open(source) as opened:
        image = opened.convert("RGBA") if opened.mode in ("P", "LA", "PA") else opened.copy()
        embedded = opened.info.get("icc_profile")
    if image.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image.convert("RGB"), mask=image.getchannel("A"))
        image = flat
    out = io.BytesIO()
    if image.mode in ("L", "1", "I", "I;16", "F"):
        image.convert("L").save(out, "JPEG", quality=95)
        return out.getvalue()
    if image.mode == "CMYK":
        image.save(out, "JPEG", quality=95)
        return out.getvalue()
    if _is_grey(image.convert("RGB")):
        image.convert("L").save(out, "JPEG", quality=95)
        return out.getvalue()
    source_profile = (
        ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        if embedded
        else ImageCms.createProfile("sRGB")
    )
    cmyk = ImageCms.profileToProfile(
        image.convert("RGB"),
        source_profile,
        ImageCms.ImageCmsProfile(str(icc)),
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        outputMode="CMYK",
    )
    cmyk.save(out, "JPEG", quality=95)
    return out.getvalue()


def _is_grey(image) -> bool:
    """Every pixel has R = G = B (a grey picture saved as RGB): printed in black alone."""
    from PIL import ImageChops

    r, g, b = image.split()
    return ImageChops.difference(r, g).getbbox() is None and (
        ImageChops.difference(g, b).getbbox() is None
    )
