"""Charts of the outcomes page, drawn on the server as SVG with matplotlib from the selectors'
plain data: no database here, no request. Each is an SVG document of its own (the page shows
it as an <img>; outcomes.selectors keeps it drawn while the outcome rows stand)."""

from __future__ import annotations

from core.charts import STYLE, matplotlib_agg
from core.charts import inline_svg as _svg

DAYS_PER_MONTH = 365.25 / 12
HORIZON_MONTHS = (6, 12, 24)
LINE = "#1f4e79"
BAND = "#9dbbd8"


CURVE_KEYS = ("days", "estimate", "ci_low", "ci_high")


def km_label(title: str) -> str:
    """What the chart shows, in words: its name for assistive technology (the <img>'s alt)."""
    return f"{title}: Kaplan-Meier curve with its 95% confidence band"


def km_svg(curve: dict, *, title: str) -> str:
    """A Kaplan-Meier step curve (days -> fraction) with its 95% band, over 0-24 months and
    0-100%, the 6/12/24-month marks dashed. An empty curve says so inside the chart. Drawing
    takes about 90 ms."""
    curve = {k: list(curve.get(k, ())) for k in CURVE_KEYS}
    matplotlib = matplotlib_agg()
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(4.4, 2.6), dpi=72)
        ax = fig.subplots()
        months = [d / DAYS_PER_MONTH for d in curve.get("days", [])]
        if months:
            # the curve stops at the last observation: nothing is known beyond it
            x = months
            low = [v if v is not None else 0 for v in curve["ci_low"]]
            high = [v if v is not None else 1 for v in curve["ci_high"]]
            estimate = [100 * v for v in curve["estimate"]]
            ax.fill_between(
                x,
                [100 * v for v in low],
                [100 * v for v in high],
                step="post",
                color=BAND,
                alpha=0.6,
                linewidth=0,
                label="95% CI",
            )
            ax.step(
                x,
                estimate,
                where="post",
                color=LINE,
                linewidth=2,
                label="Patent",
            )
            ax.legend(loc="lower right", frameon=False)
        else:
            ax.text(12, 50, "No episodes", ha="center", va="center")
        for mark in HORIZON_MONTHS:
            ax.axvline(mark, color="#888888", linestyle="--", linewidth=0.8)
        ax.set_xlim(0, 24.5)
        ax.set_ylim(0, 102)
        ax.set_xticks([0, 6, 12, 18, 24])
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.set_xlabel("Months since the index procedure")
        ax.set_ylabel("Patent (%)")
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        # fixed margins: tight_layout would draw the figure twice (half the time of a chart)
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.19, top=0.89)
    return _svg(fig, km_label(title))
