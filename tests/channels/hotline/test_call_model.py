"""The model of a whole call (call_model.py): its arithmetic is sklearn's, its file loads without
pickle and follows its data, and analyse() lets it decide the purpose and topic except where it
says "complaint" without seeing which problem while the rules read a query."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from bot.channels.hotline import call_model as cm
from bot.channels.hotline.transcripts import read_array
from bot.channels.hotline.understanding import TurnParse, analyse
from bot.nlu.client import Parse
from handlers.registry import build_handlers
from tests.fixtures.hotline import call

PURPOSES = frozenset(i for i, h in build_handlers().items() if h.purpose)
ROUTING = {"noise": "生态环境局", "wages": "人力资源和社会保障局", "other": "12345 热线办公室"}


@pytest.fixture(scope="module")
def small_set():
    """One labelled set (the 100-call eval set): enough for the arithmetic, quick to fit."""
    return cm.labelled_calls(["eval"])


def _sklearn(examples, labels):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=cm.NGRAMS, min_df=cm.MIN_DF, sublinear_tf=True)
    m = vec.fit_transform([cm.call_text(c) for c, _ in examples])
    return vec, LogisticRegression(C=cm.C, max_iter=3000).fit(m, labels)


# Texts the labelled sets do not hold: a lone tab, newline or full-width space (sklearn folds only
# runs of two or more), leading and trailing spaces, no agent turn, upper case, full-width letters.
ODD_TEXTS = ["我们楼下\tKTV天天唱到半夜 || ", "  物业\n不管电梯\u3000坏了一周  || 您好", "ＫＴＶ　吵 ||",
             "PROPERTY 物业  \u3000 收费 || 好的", "公积金余额咋个查 || \n"]


def test_predictions_are_exactly_those_of_the_sklearn_pipeline(small_set):
    model = cm.train(small_set)
    vec, purpose = _sklearn(small_set, [g["intent"] for _, g in small_set])
    complaints = [(c, g) for c, g in small_set if g["intent"] == "file_complaint" and g.get("topic")]
    rows = [i for i, (_, g) in enumerate(small_set) if g["intent"] == "file_complaint" and g.get("topic")]
    from sklearn.linear_model import LogisticRegression
    topic = LogisticRegression(C=cm.C, max_iter=3000).fit(
        vec.transform([cm.call_text(c) for c, _ in small_set])[rows], [g["topic"] for _, g in complaints])
    # calls the model never saw too: another set's, with words outside the vocabulary
    unseen = [cm.call_text(c) for c, _ in cm.labelled_calls(["heldout"])[:40]]
    for text in [cm.call_text(c) for c, _ in small_set[:40]] + unseen + ODD_TEXTS:
        x = vec.transform([text])
        p, t = purpose.predict_proba(x)[0], topic.predict_proba(x)[0]
        r = model.read_text(text)
        assert r.intent == purpose.classes_[p.argmax()]
        assert r.intent_p == pytest.approx(p.max(), abs=1e-9)
        if r.intent == "file_complaint":
            assert (r.topic, r.topic_p) == (topic.classes_[t.argmax()], pytest.approx(t.max(), abs=1e-9))


def test_two_classes_read_as_sklearn_reads_them(small_set):
    from sklearn.linear_model import LogisticRegression

    vec, _ = _sklearn(small_set, [g["intent"] for _, g in small_set])
    x = vec.transform([cm.call_text(c) for c, _ in small_set])
    y = ["complaint" if g["intent"] == "file_complaint" else "else" for _, g in small_set]
    lr = LogisticRegression(C=cm.C, max_iter=3000).fit(x, y)
    two = cm._Linear(lr.classes_, lr.coef_, lr.intercept_)
    model = cm.train(small_set)
    for text in [cm.call_text(c) for c, _ in small_set[:30]] + ODD_TEXTS:
        p = lr.predict_proba(vec.transform([text]))[0]
        got, prob = two.best(*model.features(text))
        assert got == lr.classes_[p.argmax()] and prob == pytest.approx(p.max(), abs=1e-9)
    # a score far beyond exp()'s range neither overflows nor loses its side
    assert cm._Linear(["a", "b"], [[800.0]], [0.0]).best(np.array([0]), np.array([-1.0])) == ("a", 1.0)


def test_a_text_with_no_known_character_gets_the_prior_not_an_error(small_set):
    model = cm.train(small_set)
    idx, vals = model.features("ⅫⅫⅫ")
    assert len(idx) == 0 and len(vals) == 0
    intent, p = model.purpose.best(idx, vals)
    assert intent in model.purpose.classes and 0 < p < 1


def test_saved_model_loads_without_pickle_and_reads_the_same(small_set, tmp_path):
    model = cm.train(small_set)
    path = tmp_path / "hotline-x.npz"
    cm.save(model, path)
    with np.load(path, allow_pickle=False) as z:    # would raise on any pickled object
        assert set(z.files) >= {"grams", "idf", "purpose_coef", "topic_coef"}
    again = cm.load(path)
    for c, _ in small_set[:30]:
        assert again.read(c) == model.read(c)


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """An empty models/ and a one-set training list; the process's model read again before and after."""
    monkeypatch.setattr(cm, "MODELS", tmp_path / "models")
    monkeypatch.setattr(cm, "TRAINING_SETS", ("eval",))
    cm.forget_current()
    yield tmp_path / "models"
    cm.forget_current()


def test_a_serving_process_never_trains_and_a_command_trains_once(models_dir):
    assert cm.current() is None                         # no file: the rules decide, nothing trained
    assert not models_dir.exists() or not list(models_dir.iterdir())
    assert cm.current() is None                         # remembered: no second look, no training
    cm.forget_current()
    model = cm.current(train_if_missing=True)
    [saved] = list(models_dir.iterdir())                # one file, no temporary left behind
    assert saved == cm.model_path(cm.fingerprint()) and saved.stat().st_mode & 0o777 == 0o644
    assert cm.current() is model
    cm.forget_current()
    assert cm.current().read_text("物业不管电梯") == model.read_text("物业不管电梯")    # loaded, not trained


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 half a zip", b"not a model at all"])
def test_a_file_that_is_not_a_model_leaves_the_rules_to_read(models_dir, content):
    path = cm.model_path(cm.fingerprint())
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert cm.current() is None
    with pytest.raises(ValueError):
        cm.load(path)


def test_a_model_whose_arrays_do_not_fit_together_is_refused(small_set, tmp_path):
    path = tmp_path / "m.npz"
    cm.save(cm.train(small_set), path)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["idf"] = arrays["idf"][:-1]
    np.savez(path, **arrays)
    with pytest.raises(ValueError):
        cm.load(path)


def test_the_runtime_gives_the_hotline_the_current_model(stack_runtime):
    cm.forget_current()
    expected = cm.current(train_if_missing=True)    # `make test` has trained it already
    assert expected is not None
    assert stack_runtime.hotline(workers=1).call_model is expected


def test_the_fingerprint_follows_the_training_data(tmp_path):
    for name in ("eval",):
        shutil.copytree(cm.HOTLINE_SETS / name, tmp_path / name)
    before = cm.fingerprint(["eval"], tmp_path)
    assert cm.fingerprint(["eval"], tmp_path) == before
    gold = tmp_path / "eval" / "gold.jsonl"
    lines = gold.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["intent"] = "thank" if first["intent"] != "thank" else "out_of_scope"
    gold.write_text("\n".join([json.dumps(first, ensure_ascii=False)] + lines[1:]) + "\n", encoding="utf-8")
    assert cm.fingerprint(["eval"], tmp_path) != before


def test_malformed_lines_of_a_labelled_set_are_not_training_examples(tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    good = call("CM-1", "我们楼下KTV天天唱到半夜", "麻烦你们管一下")
    (d / "calls.jsonl").write_text("\n".join([json.dumps(good, ensure_ascii=False), "{not json",
                                               json.dumps({"call_id": "CM-2", "turns": "x"})]) + "\n",
                                    encoding="utf-8")
    (d / "gold.jsonl").write_text("\n".join(json.dumps({"call_id": i, "intent": "file_complaint", "topic": "noise"})
                                            for i in ("CM-1", "CM-2")) + "\n", encoding="utf-8")
    got = cm.labelled_calls(["mixed"], tmp_path)
    assert [c.call_id for c, _ in got] == ["CM-1"]


# -- how analyse() uses a reading -------------------------------------------------------------
class Fixed:
    """A stand-in model with a fixed reading (a unit test of analyse's choice, not of the model)."""

    def __init__(self, reading):
        self.reading = reading

    def read(self, _call):
        return self.reading


def understood(c, *intents):
    return [TurnParse(i, t, Parse(t, intent, 0.95)) for i, (t, intent) in enumerate(zip(c.caller_texts(), intents))]


def test_the_model_decides_the_purpose_and_the_topic_routes_the_complaint():
    [c] = read_array([call("CM-3", "我想查下公积金余额", "还有楼下那个KTV天天唱到半夜，你们管一下")])
    turns = understood(c, "query_housing_fund", "query_housing_fund")
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("file_complaint", 0.8, "noise", 0.9)))
    assert (a.intent, a.topic, a.department) == ("file_complaint", "noise", "生态环境局")
    assert a.secondary_intents == ["query_housing_fund"]     # the rules' query, asked on the way
    rules = analyse(c, turns, ROUTING, 0.5, PURPOSES)
    assert rules.intent == "query_housing_fund"


def test_a_grumble_the_rules_took_for_a_complaint_is_not_listed_beside_the_models_query():
    [c] = read_array([call("CM-4", "我要投诉你们，公积金到现在都没到账", "我就想晓得好久到")])
    turns = understood(c, "file_complaint", "query_housing_fund")
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("query_housing_fund", 0.7, None, 0.0)))
    assert (a.intent, a.topic, a.department) == ("query_housing_fund", None, None)
    assert "file_complaint" not in a.secondary_intents


def test_an_unsure_complaint_of_the_model_leaves_the_rules_query():
    [c] = read_array([call("CM-5", "我爸的退休工资这个月还没发", "拖起拖起的")])
    turns = understood(c, "query_social_security", "query_social_security")
    unsure = cm.Reading("file_complaint", 0.75, "wages", 0.3)
    sure = cm.Reading("file_complaint", 0.75, "wages", 0.8)
    assert analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(unsure)).intent == "query_social_security"
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(sure))
    assert (a.intent, a.department) == ("file_complaint", "人力资源和社会保障局")


def test_a_topic_outside_the_routing_goes_to_the_office():
    [c] = read_array([call("CM-6", "我们小区的流浪狗咬人了", "你们派人来处理一下")])
    turns = understood(c, "file_complaint", "file_complaint")
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("file_complaint", 0.9, "healthcare", 0.9)))
    assert (a.topic, a.department) == ("healthcare", "12345 热线办公室")


def test_a_call_nobody_understood_is_not_made_a_complaint_by_the_model():
    [c] = read_array([call("CM-7", "我们小区物业")])
    turns = [TurnParse(0, "我们小区物业", Parse("我们小区物业", "nlu_fallback", 0.3))]
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("file_complaint", 0.98, "property", 0.98)))
    assert a.intent != "file_complaint" and a.department is None


def test_a_complaint_asked_to_be_handled_about_a_routed_problem_is_not_lost_to_the_models_query():
    [c] = read_array([call("CM-8", "我想问下，楼下KTV天天唱到半夜两点，吵得睡不着", "你们派人来管一下嘛")])
    turns = understood(c, "file_complaint", "file_complaint")
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("ask_service_guide", 0.7, None, 0.0)))
    assert (a.intent, a.topic) == ("file_complaint", "noise")


def test_the_rules_query_stays_listed_beside_another_query_of_the_model():
    [c] = read_array([call("CM-9", "我想查下公积金余额", "还有社保交了好多年了")])
    turns = understood(c, "query_housing_fund", "query_social_security")
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("query_social_security", 0.8, None, 0.0)))
    assert a.intent == "query_social_security" and "query_housing_fund" in a.secondary_intents


def test_the_work_orders_words_are_the_callers_about_the_models_topic():
    [c] = read_array([call("CM-9", "我们小区物业电梯坏了一个月都不修，物管也不管", "还有楼下烧烤店油烟大")])
    turns = understood(c, "file_complaint", "file_complaint")
    rules = analyse(c, turns, ROUTING, 0.5, PURPOSES)
    assert rules.topic == "property" and "电梯" in rules.complaint_text
    a = analyse(c, turns, ROUTING, 0.5, PURPOSES, Fixed(cm.Reading("file_complaint", 0.9, "sanitation", 0.9)))
    assert a.topic == "sanitation" and a.complaint_text == "还有楼下烧烤店油烟大"
