from pathlib import Path

import pytest

from zhpress.errors import FontError
from zhpress.typeset.faces import DEFAULT_FACES, _face_names, resolve_faces


def test_every_default_face_resolves_to_a_file_whose_names_match():
    faces = resolve_faces()
    assert set(faces) == {spec.role for spec in DEFAULT_FACES}
    for spec in DEFAULT_FACES:
        face = faces[spec.role]
        assert face.path.is_file()
        families, styles = _face_names(face.path, face.index)
        assert spec.family in families, (spec.role, families)
        assert spec.style in styles, (spec.role, styles)


def test_serif_is_the_simplified_chinese_face_of_the_collection():
    face = resolve_faces()["serif"]
    families, _ = _face_names(face.path, face.index)
    assert "Noto Serif CJK SC" in families
    assert not any("JP" in f or "KR" in f or "TC" in f for f in families)


def test_missing_override_names_the_face_and_how_to_install(tmp_path: Path):
    with pytest.raises(FontError) as info:
        resolve_faces({"serif": "fonts/NoSuchSerif.otf"}, tmp_path, tmp_path / "book.yaml")
    message = str(info.value)
    assert "Noto Serif CJK SC Regular" in message
    assert "does not exist" in message
    assert "apt-get install fonts-noto-cjk" in message


def test_override_with_the_wrong_family_is_refused_not_substituted(tmp_path: Path):
    kai = resolve_faces(roles=("kai",))["kai"].path
    with pytest.raises(FontError) as info:
        resolve_faces({"serif": str(kai)}, tmp_path, tmp_path / "book.yaml")
    assert "LXGW WenKai" in str(info.value)
    assert "not 'Noto Serif CJK SC Regular'" in str(info.value)


def test_override_with_a_matching_face_resolves(tmp_path: Path):
    kai = resolve_faces(roles=("kai",))["kai"].path
    faces = resolve_faces(
        {"serif": {"path": str(kai), "family": "LXGW WenKai", "style": "Regular"}},
        tmp_path,
        tmp_path / "book.yaml",
    )
    assert faces["serif"].path == kai
    assert faces["serif"].family == "LXGW WenKai"


def test_override_outside_book_and_font_folders_is_refused(tmp_path: Path):
    outside = tmp_path / "elsewhere" / "x.otf"
    outside.parent.mkdir()
    outside.write_bytes(b"\0")
    with pytest.raises(FontError, match="outside the book folder"):
        resolve_faces({"serif": str(outside)}, tmp_path / "book", tmp_path / "book/book.yaml")


def test_unknown_role_is_an_error(tmp_path: Path):
    with pytest.raises(FontError, match="unknown font role"):
        resolve_faces({"fancy": "x.otf"}, tmp_path, tmp_path / "book.yaml")
