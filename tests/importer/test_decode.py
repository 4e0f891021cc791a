"""Encoding and line-end detection; undecodable input is an error with the byte offset."""

from __future__ import annotations

import codecs

import pytest

from zhpress.errors import SourceError
from zhpress.importer.decode import MAX_BYTES, decode_bytes, read_source

TEXT = "后3万亿时代 佛山新型工业化如何闯出新路?\n主持人：叶小青\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "UTF-8 with BOM"),
        (TEXT.encode("gb18030"), "GB18030 (GBK subset)"),
        ((TEXT + "𠀀").encode("gb18030"), "GB18030"),
        (TEXT.encode("utf-16"), "UTF-16 LE with BOM"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16 BE with BOM"),
    ],
)
def test_detects_the_encodings_seen_in_practice(data: bytes, encoding: str):
    decoded = decode_bytes(data)
    assert decoded.encoding == encoding
    assert decoded.text.startswith(TEXT)
    assert "\ufeff" not in decoded.text


@pytest.mark.parametrize(("newline", "kind"), [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")])
def test_line_ends_become_lf_and_are_reported(newline: str, kind: str):
    decoded = decode_bytes(TEXT.replace("\n", newline).encode("utf-8"))
    assert decoded.newline == kind
    assert decoded.text == TEXT


def test_mixed_line_ends_are_reported_as_mixed():
    assert decode_bytes(b"a\r\nb\nc").newline == "mixed"


def test_invalid_bytes_name_the_offset():
    data = "佛山".encode() + b"\xff\xfe\xfd\x80" + "新路".encode()
    with pytest.raises(SourceError, match=r"byte 6") as info:
        decode_bytes(data, "page.txt")
    assert "not UTF-8" in str(info.value)
    assert str(info.value).startswith("page.txt:1:")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n"])
def test_empty_input_is_an_error(data: bytes):
    with pytest.raises(SourceError, match="empty"):
        decode_bytes(data)


def test_binary_data_is_an_error_with_offset():
    with pytest.raises(SourceError, match=r"NUL byte at byte 4"):
        decode_bytes(b"\x89PNG\x00\x00\x00\rIHDR")


def test_control_characters_are_binary():
    with pytest.raises(SourceError, match=r"U\+0007 at byte 6"):
        decode_bytes("佛山".encode() + b"\x07")


def test_latin1_bytes_are_not_taken_for_gb18030():
    data = "Grüße aus Köln, déjà vu, ça va très bien".encode("latin-1") * 3
    with pytest.raises(SourceError, match="not UTF-8"):
        decode_bytes(data)


def test_a_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(SourceError, match="limit is 2 MB"):
        read_source(path)
