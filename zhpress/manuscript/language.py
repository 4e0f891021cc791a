"""The book's language tag (BCP 47), and the script variant it is set in.

zhpress sets Chinese. A Simplified book is set in the SC faces, a Traditional one in the TC
faces (Taiwan's glyph standard) or, for Hong Kong and Macau, the HK faces; the variant also
decides how the pause and stop marks sit in their em (centred in TC and HK, bottom left in
SC), and so how the composer may compress them. Any other tag is refused: a book tagged
``klingon`` would be set in Simplified faces and announced to reading apps as Klingon.
"""

from __future__ import annotations

SIMPLIFIED, TRADITIONAL, HONG_KONG = "SC", "TC", "HK"
VARIANTS = (SIMPLIFIED, TRADITIONAL, HONG_KONG)

_REGION_VARIANT = {
    "CN": SIMPLIFIED,
    "SG": SIMPLIFIED,
    "MY": SIMPLIFIED,
    "TW": TRADITIONAL,
    "HK": HONG_KONG,
    "MO": HONG_KONG,
}
_SCRIPT_VARIANT = {"HANS": SIMPLIFIED, "HANT": TRADITIONAL}
ACCEPTED_EXAMPLES = ("zh-Hans", "zh-CN", "zh-Hant", "zh-Hant-TW", "zh-Hant-HK", "zh-TW", "zh-HK")


def parse_language(tag: str) -> tuple[str, str] | None:
    """(the tag in BCP 47's canonical case, its variant), or None when it is not a Chinese
    tag zhpress sets: ``zh``, an optional script ``Hans``/``Hant``, an optional region."""
    parts = tag.strip().replace("_", "-").split("-")
    if not parts or parts[0].lower() != "zh" or len(parts) > 3:
        return None
    script = region = None
    for part in parts[1:]:
        if len(part) == 4 and script is None and region is None:
            script = part.upper()
        elif len(part) == 2 and region is None:
            region = part.upper()
        else:
            return None
    if script is not None and script not in _SCRIPT_VARIANT:
        return None
    if region is not None and region not in _REGION_VARIANT:
        return None
    variant = _REGION_VARIANT.get(region or "", SIMPLIFIED)
    if script == "HANT":
        variant = HONG_KONG if variant == HONG_KONG else TRADITIONAL
    elif script == "HANS":
        variant = SIMPLIFIED
    canonical = ["zh"]
    if script:
        canonical.append(script.title())
    if region:
        canonical.append(region)
    return "-".join(canonical), variant


def variant_of(tag: str) -> str:
    """SC, TC or HK for a tag the loader accepted (SC for anything else)."""
    parsed = parse_language(tag)
    return parsed[1] if parsed else SIMPLIFIED


def is_traditional(tag: str) -> bool:
    """Set in Traditional faces, where the pause and stop marks sit centred in their em."""
    return variant_of(tag) != SIMPLIFIED
