"""The webhook benchmark's summary: ratios to the peer and the ceiling a cache can reach."""
import random

from scripts.bench_webhook import COMMON, against_the_peer, build_mix


def row(rps: float) -> dict:
    return {"rps": rps}


def test_ratios_and_ceiling_come_from_the_measured_rows():
    summary = against_the_peer({"rasa-parse": row(200), "rasa-unique": row(150),
                                "webhook-plain": row(260), "webhook-safe": row(280)})
    assert summary["webhook-plain"] == 1.3
    assert summary["webhook-safe"] == 1.4
    # the cache spares the repeated half; the unique half still runs at rasa-unique's rate
    assert summary["ceiling"] == 1.5
    assert any("1.50x" in line for line in summary["lines"])


def test_no_ceiling_without_the_unique_row_and_nothing_without_the_peer():
    summary = against_the_peer({"rasa-parse": row(200), "webhook-plain": row(300)})
    assert "ceiling" not in summary and summary["webhook-plain"] == 1.5
    assert against_the_peer({"webhook-plain": row(300)}) is None
    assert against_the_peer({"rasa-parse": row(0)}) is None


def test_two_models_each_against_its_own_peer():
    rows = {"rasa-parse (DIET)": row(100), "webhook-plain (DIET)": row(180),
            "rasa-parse (linear)": row(200), "webhook-plain (linear)": row(300)}
    assert against_the_peer(rows, " (DIET)")["webhook-plain"] == 1.8
    assert against_the_peer(rows, " (linear)")["webhook-plain"] == 1.5
    assert against_the_peer(rows) is None          # no unlabelled peer ran


def test_half_the_mix_repeats_and_the_other_half_never_does():
    items = build_mix(4000, random.Random(7))
    repeats = [i for i in items if i.key is not None or i.text in COMMON]
    unique = [i.text for i in items if i.key is None and i.text not in COMMON]
    assert 0.45 < len(repeats) / len(items) < 0.55
    assert len(set(unique)) == len(unique)
