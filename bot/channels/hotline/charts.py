"""The picture's charts as PNG (matplotlib, headless): topics by district, calls per day.

Chinese labels need a CJK font: WenQuanYi Micro Hei (`make fonts` installs fonts-wqy-microhei).
Without it matplotlib would draw every Chinese character as an empty box, so no chart is drawn
and ChartsUnavailable says what to install instead.
"""
from __future__ import annotations

import threading
from pathlib import Path

from bot.city.complaint_topics import TOPIC_NAMES, TOPICS

CJK_FONT = "WenQuanYi Micro Hei"


class ChartsUnavailable(RuntimeError):
    pass


_IMPORTING = threading.Lock()
_loaded = None


def prepare() -> None:
    """Import matplotlib and find the font now (~2 s of CPU), ahead of need: `make ingest` calls
    this in a background thread while the calls wait on the NLU, so the charts drawn at the end
    cost only their drawing. Without the font nothing happens here; write_charts says so."""
    try:
        _pyplot()
    except ChartsUnavailable:
        pass


def _pyplot():
    global _loaded
    with _IMPORTING:
        if _loaded is None:
            _loaded = _load_pyplot()
        return _loaded


def _load_pyplot():
    import matplotlib
    matplotlib.use("Agg")               # no display: files only
    from matplotlib import font_manager, pyplot
    try:
        font_manager.findfont(font_manager.FontProperties(family=CJK_FONT), fallback_to_default=False)
    except ValueError:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)  # installed since
        try:
            font_manager.findfont(font_manager.FontProperties(family=CJK_FONT), fallback_to_default=False)
        except ValueError:
            raise ChartsUnavailable(f"no CJK font ({CJK_FONT}): run `make fonts` "
                                    "(installs fonts-wqy-microhei) for the charts") from None
    pyplot.rcParams["font.family"] = [CJK_FONT]
    pyplot.rcParams["axes.unicode_minus"] = False
    return pyplot


def write_charts(picture: dict, out: Path) -> list[Path]:
    """topics_by_district.png and calls_per_day.png from CityPicture.as_dict(); the files written."""
    plt = _pyplot()
    written = []

    by_district = picture["topic_by_district"]
    if by_district:
        districts = sorted(by_district, key=lambda d: -sum(by_district[d].values()))
        topics = [t for t in TOPICS if any(t in c for c in by_district.values())]
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(districts) + 1.8))
        left = [0] * len(districts)
        cmap = plt.get_cmap("tab20")
        for i, topic in enumerate(topics):
            values = [by_district[d].get(topic, 0) for d in districts]
            ax.barh(districts, values, left=left, label=TOPIC_NAMES[topic], color=cmap(i))
            left = [a + b for a, b in zip(left, values)]
        ax.invert_yaxis()
        ax.set_xlabel("投诉件数")
        ax.set_title("各区投诉问题类型")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
        fig.tight_layout()
        path = out / "topics_by_district.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    by_day = picture["by_day"]
    if by_day:
        days = list(by_day)
        fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(days) + 2), 4))
        ax.bar(days, [by_day[d] for d in days], color="#3b6ea5")
        ax.set_ylabel("来电数")
        ax.set_title("每日来电")
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        fig.tight_layout()
        path = out / "calls_per_day.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
