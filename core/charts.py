"""What every server-drawn chart shares (the outcomes' curves, an episode's anticoagulation
journey): matplotlib without a display, text kept as text, and the figure as an inline <svg>
the Content-Security-Policy allows (its styles are attributes, config/settings.py)."""

from __future__ import annotations

import functools
import io
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: smaller, and selectable
    "svg.hashsalt": None,  # ids unique to each chart, several on a page
    "font.size": 9,
}


@functools.cache
def matplotlib_agg() -> ModuleType:
    """matplotlib drawing without a display, imported with the first chart a process draws:
    importing it is 0.6 s of processor, which every web, Celery and benchmark process paid at
    start (the URLs import the chart modules) though most never draw a chart."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def inline_svg(fig, label: str) -> str:
    """The figure as an inline <svg> element named by `label` for assistive technology."""
    out = io.StringIO()
    with matplotlib_agg().rc_context(STYLE):
        fig.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    text = text[text.index("<svg") :]
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return re.sub(
        r"<svg\b", f'<svg role="img" aria-label="{label}" focusable="false"', text, count=1
    )
