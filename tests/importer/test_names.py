"""Chapter file names in toneless pinyin (zhpress.importer.names)."""

import pytest

from zhpress.importer.names import name_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("徐雨森", "xu-yusen"),
        ("穆向民", "mu-xiangmin"),
        ("胡晓珍", "hu-xiaozhen"),
        ("张震", "zhang-zhen"),
        ("欧阳修", "ouyang-xiu"),
        ("曾国藩", "zeng-guofan"),
        ("吕布", "lu-bu"),
    ],
)
def test_name_slug(name: str, slug: str):
    assert name_slug(name) == slug


def test_a_name_without_readable_characters_still_gets_a_file_name():
    assert name_slug("★") == "panelist"
