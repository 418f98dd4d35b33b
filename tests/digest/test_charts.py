"""The charts draw Korean: real glyphs, not the empty boxes a font without Hangul draws."""
import io
import re
import warnings
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from PIL import Image

from digest import charts
from digest.figures import AnswerTime, Daily
from routing import taxonomy

HANGUL = re.compile(r"[\uac00-\ud7a3]")
NOT_IN_ANY_FONT = "\ue000"  # a private-use code point: every font draws its missing-glyph box for it


def draw(character: str, family: str) -> np.ndarray:
    """The character drawn alone at 40 px, as a greyscale array."""
    figure = Figure(figsize=(0.8, 0.8), dpi=100)
    figure.text(0.1, 0.2, character, fontfamily=family, fontsize=40)
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing-glyph renderings below warn, on purpose
        canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].copy()


def test_the_korean_font_has_a_glyph_for_every_label_the_charts_use():
    font = FT2Font(charts.korean_font_path())
    labels = [e.name_ko for e in taxonomy.default().categories + taxonomy.default().departments]
    labels += ["시간 (막대: 중앙값, 세로선: 90%)", "기한 48시간", "접수된 문자가 없습니다"]
    missing = {ch for label in labels for ch in label if not ch.isspace() and font.get_char_index(ord(ch)) == 0}
    assert missing == set()
    assert font.get_char_index(ord(NOT_IN_ANY_FONT)) == 0  # the box below really is the missing-glyph box


def test_a_korean_syllable_is_drawn_as_its_glyph_not_as_a_missing_glyph_box():
    family = charts.korean_font()
    missing_box = draw(NOT_IN_ANY_FONT, family)
    syllables = {ch: draw(ch, family) for ch in "안전민원"}
    for ch, image in syllables.items():
        assert (image < 128).sum() > 50, f"{ch} left no ink"
        assert not np.array_equal(image, missing_box), f"{ch} was drawn as the missing-glyph box"
        # DejaVu Sans, matplotlib's default, has no Hangul: what a chart without our font would show.
        assert not np.array_equal(image, draw(ch, "DejaVu Sans")), f"{ch} looks like the default font's box"
    # Missing-glyph boxes are all alike; real syllables all differ.
    images = list(syllables.values())
    assert all(not np.array_equal(a, b) for i, a in enumerate(images) for b in images[i + 1:])


def test_every_korean_text_in_the_charts_uses_the_korean_font_and_no_glyph_is_missing():
    dates = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    daily = Daily(dates, {"안전": [1] * 30, "민원": list(range(30)), "격려·감사": [2] * 30})
    times = [AnswerTime("도로과", 12, 14.0, 22.8), AnswerTime("안전총괄과", 3, 1.0, 1.5)]
    font_path = charts.korean_font_path()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for a box
        for figure in (charts.cases_per_day(daily), charts.answer_times(times, 48)):
            png = charts.png(figure)
            korean = [t for t in figure.findobj(Text) if HANGUL.search(t.get_text())]
            assert korean, "the chart has Korean labels"
            assert {findfont(t.get_fontproperties()) for t in korean} == {font_path}
            assert Image.open(io.BytesIO(png)).size[0] >= 900  # sharp on a phone's screen


def test_without_a_korean_font_the_charts_refuse_with_the_package_to_install(monkeypatch):
    monkeypatch.setattr(charts, "KOREAN_FAMILIES", ("No Such Font KR",))
    charts.korean_font.cache_clear()
    try:
        with pytest.raises(charts.KoreanFontMissing, match="fonts-noto-cjk"):
            charts.cases_per_day(Daily([], {}))
    finally:
        charts.korean_font.cache_clear()

