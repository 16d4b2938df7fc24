"""The dashboard's charts: matplotlib (Agg, no display) with a CJK font, as PNG data URIs that the
page shows beside the numbers they are drawn from."""
from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache

log = logging.getLogger(__name__)

# Debian's fonts-wqy-microhei (installed by `make test` where missing), else any CJK font found.
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


@lru_cache(maxsize=1)
def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot
    import os
    for path in FONT_FILES:
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    families = [f for f in CJK_FAMILIES if f in known]
    if not families:
        log.warning("no CJK font found: the dashboard's Chinese labels will not render (install fonts-wqy-microhei)")
    matplotlib.rcParams["font.sans-serif"] = families + ["DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return pyplot


def cjk_font() -> str | None:
    """The CJK font the charts use, or None."""
    import matplotlib
    _pyplot()
    families = [f for f in matplotlib.rcParams["font.sans-serif"] if f in CJK_FAMILIES]
    return families[0] if families else None


def _png(fig) -> str:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def stacked_bars(title: str, labels: list[str], series: dict[str, list[float]], *, horizontal: bool = False) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2 if not horizontal else max(2.5, 0.35 * len(labels) + 1)))
    base = [0.0] * len(labels)
    for name, values in series.items():
        if horizontal:
            ax.barh(labels, values, left=base, label=name)
        else:
            ax.bar(labels, values, bottom=base, label=name)
        base = [b + v for b, v in zip(base, values)]
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=8)
    if not horizontal:
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    return _png(fig)


def line(title: str, labels: list[str], values: list[float], *, unit: str = "") -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(labels, values, marker="o")
    ax.set_title(title)
    if unit:
        ax.set_ylabel(unit)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_ylim(bottom=0)
    return _png(fig)
