"""The digest's charts as PNG, drawn on the server with a font that has Korean glyphs.

Matplotlib's default font (DejaVu Sans) has no Hangul and would draw every label as a box, so
the charts use Noto Sans CJK (Debian: fonts-noto-cjk) and refuse to draw without it.
"""
import io
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure  # drawn without pyplot: no global state, safe in threads
from matplotlib.ticker import MaxNLocator

from digest.figures import AnswerTime, Daily

KOREAN_FAMILIES = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic")
# Drawn for a phone: about 350 points wide, so 10-point labels read at their size; 200 dpi keeps them sharp.
WIDTH_INCHES = 4.8
DPI = 200
# One colour per category, the same in every chart and legend; safety stands out.
CATEGORY_COLOURS = {
    "안전": "#d7301f",
    "민원": "#3b6fb6",
    "제도 개선": "#7fa7d9",
    "정책 제안": "#8c6bb1",
    "격려·감사": "#41ab5d",
    "기타": "#b0b0b0",
    "미분류": "#dddddd",
}
INK = "#222222"
MUTED = "#777777"


class KoreanFontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def korean_font() -> str:
    """The family name of an installed font that draws Korean."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in KOREAN_FAMILIES:
        if family in installed:
            return family
    raise KoreanFontMissing(
        "No font that draws Korean is installed (looked for " + ", ".join(KOREAN_FAMILIES) + "). "
        "Install one, e.g. `apt-get install fonts-noto-cjk`, then delete matplotlib's font cache "
        f"({matplotlib.get_cachedir()}) and restart."
    )


def korean_font_path() -> str:
    return font_manager.findfont(font_manager.FontProperties(family=korean_font()), fallback_to_default=False)


def _figure(height_inches: float) -> Figure:
    return Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI, layout="constrained")


def _style(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#bbbbbb")
    axes.tick_params(colors=MUTED, labelsize=10)
    axes.grid(axis="y", color="#eeeeee", linewidth=0.8)
    axes.set_axisbelow(True)


def cases_per_day(daily: Daily) -> Figure:
    """Stacked bars: new cases per day by category."""
    with matplotlib.rc_context({"font.family": korean_font()}):
        figure = _figure(3.3)
        axes = figure.add_subplot()
        _style(axes)
        positions = range(len(daily.dates))
        bottom = [0] * len(daily.dates)
        for label, counts in daily.by_category.items():
            # One collection per category, not a patch per bar: a year of days draws in a blink.
            bars = [[(x - 0.4, b), (x - 0.4, b + c), (x + 0.4, b + c), (x + 0.4, b)]
                    for x, b, c in zip(positions, bottom, counts) if c]
            axes.add_collection(PolyCollection(bars, facecolors=CATEGORY_COLOURS.get(label, "#999999"),
                                               linewidths=0, label=label))
            bottom = [b + c for b, c in zip(bottom, counts)]
        axes.set_ylim(0, max(bottom, default=0) * 1.05 or 1)
        step = max(1, len(daily.dates) // 5)
        ticks = list(positions)[::-1][::step][::-1]  # always label the last day
        axes.set_xticks(ticks, [f"{daily.dates[i].month}/{daily.dates[i].day}" for i in ticks])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(-0.6, len(daily.dates) - 0.4)
        if daily.by_category:
            axes.legend(loc="upper left", bbox_to_anchor=(0, -0.1), ncol=3, frameon=False, fontsize=10,
                        handlelength=1, columnspacing=1.2)
        else:
            axes.text(0.5, 0.5, "접수된 문자가 없습니다", transform=axes.transAxes, ha="center", color=MUTED)
    return figure


def answer_times(times: list[AnswerTime], target_hours: float) -> Figure:
    """Horizontal bars: median hours to the first answer per department, a tick at the 90th percentile.

    Only drawn when someone was answered (the page says "none" in words otherwise).
    """
    shown = sorted(times, key=lambda t: t.median_hours)[-13:]
    with matplotlib.rc_context({"font.family": korean_font()}):
        figure = _figure(1.0 + 0.3 * len(shown))
        axes = figure.add_subplot()
        _style(axes)
        axes.grid(axis="y", visible=False)
        axes.grid(axis="x", color="#eeeeee", linewidth=0.8)
        rows = range(len(shown))
        colours = ["#d7301f" if t.median_hours > target_hours else "#3b6fb6" for t in shown]
        axes.barh(rows, [t.median_hours for t in shown], color=colours, height=0.6, label="중앙값")
        # A whisker from the median to the 90th percentile: how long the slow tenth waited.
        axes.hlines(rows, [t.median_hours for t in shown], [t.p90_hours for t in shown], color="#999999", linewidth=1)
        axes.scatter([t.p90_hours for t in shown], rows, marker="|", s=160, color=INK, label="90%", zorder=3)
        axes.set_yticks(list(rows), [f"{t.department} ({t.answered})" for t in shown])
        axes.axvline(target_hours, color=MUTED, linestyle="--", linewidth=1)
        axes.text(target_hours, len(shown) - 0.4, f" 기한 {target_hours:g}시간", color=MUTED, fontsize=9, va="bottom")
        axes.set_xlabel("시간 (막대: 중앙값, 세로선: 90%)", color=MUTED, fontsize=10)
    return figure


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
