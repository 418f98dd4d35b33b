"""Segment counting: GSM-7 and UCS-2 limits, single and concatenated."""
from replies.segments import count


def test_plain_ascii_is_gsm7_with_160_per_single_segment():
    assert count("a" * 160).count == 1 and count("a" * 160).encoding == "GSM-7"
    assert count("a" * 161).count == 2


def test_korean_is_ucs2_with_70_per_single_and_67_per_part():
    assert count("가" * 70).count == 1
    assert count("가" * 71).count == 2
    assert count("가" * 134).count == 2
    assert count("가" * 135).count == 3


def test_emoji_takes_two_ucs2_units():
    assert count("😀" * 35).count == 1 and count("😀" * 36).count == 2


def test_gsm7_extension_characters_take_two_septets():
    assert count("{" * 80).units == 160 and count("{" * 81).count == 2


def test_empty_text_is_zero_segments():
    assert count("").count == 0
