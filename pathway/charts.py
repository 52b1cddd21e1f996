"""The episode page's anticoagulation journey drawn on the server as SVG with matplotlib: each
course a bar from its start to its stop (or to today while it runs), the INR readings on the
bar of the VKA taken that day, each with its value. Plain data in, no database, no request."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from core.charts import STYLE, inline_svg, matplotlib_agg

COLOURS = {"parenteral": "#b35806", "vka": "#1f4e79", "doac": "#1b7837"}
IN_RANGE, OUT_OF_RANGE, UNJUDGED = "#1d6b35", "#a1121b", "#4a5360"


@dataclass(frozen=True)
class Bar:
    label: str
    agent_class: str
    start: dt.date
    stop: dt.date | None  # None: runs on


@dataclass(frozen=True)
class Dot:
    on: dt.date
    inr: str
    in_range: bool | None


def journey_svg(bars: tuple[Bar, ...], dots: tuple[Dot, ...], *, today: dt.date) -> str:
    """The courses as bars, oldest at the top, and the INR readings on them: filled and green
    in range, hollow and red out of it, grey squares when taken off a VKA; a dashed line for
    today. The same journey draws the same chart, so the last few are kept."""
    return _journey_svg(tuple(bars), tuple(dots), today)


def _lane_of(dot: Dot, bars: tuple[Bar, ...]) -> int:
    """The lane of the VKA taken that day (the latest started), else the INR lane below."""
    lanes = [
        i
        for i, b in enumerate(bars)
        if b.agent_class == "vka" and b.start <= dot.on and (b.stop is None or dot.on <= b.stop)
    ]
    return lanes[-1] if lanes else len(bars)


@functools.lru_cache(maxsize=32)
def _journey_svg(bars: tuple[Bar, ...], dots: tuple[Dot, ...], today: dt.date) -> str:
    extra = any(_lane_of(d, bars) == len(bars) for d in dots)
    lanes = len(bars) + (1 if extra else 0)
    height = 0.9 + 0.45 * max(lanes, 1)  # inches: the axis and its dates, then the lanes
    matplotlib = matplotlib_agg()
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, height), dpi=72)
        ax = fig.subplots()
        if not bars and not dots:
            ax.text(
                0.5,
                0.5,
                "No anticoagulation course recorded",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return inline_svg(fig, "Anticoagulation journey: no course recorded yet")
        days = [b.start for b in bars] + [d.on for d in dots] + [today]
        first, last = min(days), max(days)
        for lane, bar in enumerate(bars):
            end = bar.stop or today
            left = mdates.date2num(bar.start)
            width = max(mdates.date2num(end) - left, 0.6)  # a one-day course still shows
            ax.barh(
                lane,
                width,
                left=left,
                height=0.5,
                color=COLOURS.get(bar.agent_class),
                alpha=0.35 if bar.stop else 0.6,
                edgecolor=COLOURS.get(bar.agent_class),
            )
        for dot in dots:
            lane = _lane_of(dot, bars)
            judged = {True: IN_RANGE, False: OUT_OF_RANGE}
            colour = UNJUDGED if dot.in_range is None else judged[dot.in_range]
            face = colour if dot.in_range else "white"
            marker = "s" if dot.in_range is None else "o"
            x = mdates.date2num(dot.on)
            ax.plot(
                [x],
                [lane],
                marker=marker,
                markersize=7,
                color=colour,
                markerfacecolor=face,
                markeredgewidth=1.5,
                linestyle="none",
            )
            ax.annotate(
                dot.inr,
                (x, lane),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=colour,
            )
        ax.axvline(mdates.date2num(today), color="#888888", linestyle="--", linewidth=0.8)
        labels = [b.label for b in bars] + (["INR (no VKA)"] if extra else [])
        ax.set_yticks(range(lanes), labels)
        ax.set_ylim(lanes - 0.4, -0.7)  # oldest course at the top
        margin = max((last - first).days * 0.03, 1)
        ax.set_xlim(mdates.date2num(first) - margin, mdates.date2num(last) + margin)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.spines[["top", "right"]].set_visible(False)
        fig.subplots_adjust(left=0.22, right=0.98, bottom=0.6 / height, top=1 - 0.15 / height)
    what = f"{len(bars)} course{'s' if len(bars) != 1 else ''}"
    read = f"{len(dots)} INR reading{'s' if len(dots) != 1 else ''}"
    return inline_svg(fig, f"Anticoagulation journey: {what} and {read}, in the table below")
