"""subset_face(): exact glyphs, deterministic bytes, a clear error for missing characters."""

from io import BytesIO

import pytest
from fontTools.ttLib import TTFont

from zhpress.errors import FontError
from zhpress.typeset.faces import resolve_faces
from zhpress.typeset.subset import narrow_marks, subset_face

TEXT = "新型工业化“六新”，3万亿。"


@pytest.fixture
def no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHPRESS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_subset_has_exactly_the_characters_and_is_deterministic(no_cache):
    face = resolve_faces(roles=("sans-bold",))["sans-bold"]
    first = subset_face(face, TEXT)
    assert list(no_cache.glob("fonts/*")), "the subset was not cached"
    for entry in no_cache.glob("fonts/*"):
        entry.unlink()
    assert subset_face(face, TEXT) == first  # a fresh run gives the same bytes
    font = TTFont(BytesIO(first))
    assert set(font.getBestCmap()) == {ord(ch) for ch in set(TEXT)}
    assert len(font.getGlyphOrder()) == len(set(TEXT)) + 1  # + .notdef, no locl alternates


def test_truetype_face_converts_to_cff(no_cache):
    face = resolve_faces(roles=("kai",))["kai"]
    font = TTFont(BytesIO(subset_face(face, TEXT, cff=True)))
    assert font.sfntVersion == "OTTO" and "glyf" not in font
    glyphs = font.getGlyphSet()
    assert all(glyphs[font.getBestCmap()[ord(ch)]].width > 0 for ch in "新型工业化")


def test_missing_character_is_named(no_cache):
    face = resolve_faces(roles=("kai",))["kai"]
    with pytest.raises(FontError, match=r"U\+E000"):
        subset_face(face, "中\ue000")


def test_kai_quotes_are_narrow_and_serif_quotes_full_width():
    faces = resolve_faces(roles=("kai", "serif"))
    assert narrow_marks(faces["kai"], "“”中，") == frozenset("“”")
    assert narrow_marks(faces["serif"], "“”中，") == frozenset()


@pytest.mark.parametrize("role", ["serif", "sans", "sans-bold"])
def test_cid_keyed_subset_numbers_cid_i_as_glyph_i(no_cache, role):
    """A PDF reader that follows the spec draws code i as CID i: it must be glyph i."""
    from fontTools.pens.recordingPen import RecordingPen

    face = resolve_faces(roles=(role,))[role]
    font = TTFont(BytesIO(subset_face(face, TEXT)))
    top = font["CFF "].cff.topDictIndex[0]
    assert hasattr(top, "ROS"), "Noto CJK's CFF is CID-keyed; this test expects it"
    assert top.charset == [".notdef"] + [f"cid{i:05d}" for i in range(1, len(top.charset))]
    # The outlines still belong to their characters after the renumbering.
    source = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    for ch in "新工万":
        drawn = []
        for f in (font, source):
            pen = RecordingPen()
            f.getGlyphSet()[f.getBestCmap()[ord(ch)]].draw(pen)
            drawn.append(pen.value)
        assert drawn[0] == drawn[1], ch
