from bot.nlu.identifiers import mask_identifiers


def test_identifiers_become_same_length_stand_ins():
    text = "CJ20261020000456办到哪了，身份证510104198506122310，电话13880000001，验证码654321"
    m = mask_identifiers(text)
    assert len(m.text) == len(text)
    for secret in ("CJ20261020000456", "510104198506122310", "13880000001", "654321"):
        assert secret not in m.text
    assert m.text.startswith("CJ")  # the prefix names the backend: kept


def test_texts_differing_only_in_numbers_look_the_same_to_rasa():
    a = mask_identifiers("帮我查下CJ20261101000123的进度")
    b = mask_identifiers("帮我查下CJ20261020000456的进度")
    assert a.text == b.text
    assert mask_identifiers("帮我查下QY20261105000789的进度").text != a.text


def test_restore_gives_back_the_real_values_at_rasas_offsets():
    text = "我的身份证是11010519491231002X"
    m = mask_identifiers(text)
    start = text.index("110105")
    body = {"text": m.text, "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "id_number", "start": start, "end": start + 18, "value": m.text[start:]},
                         {"entity": "district", "start": 0, "end": 1, "value": "武侯区"}]}
    out = mask_identifiers(text).restore(body)
    assert out["text"] == text
    assert out["entities"][0]["value"] == "11010519491231002X"
    assert out["entities"][1]["value"] == "武侯区"   # not an identifier: untouched
    assert body["entities"][0]["value"] != "11010519491231002X"  # the cached body is not modified


def test_plain_text_passes_unchanged():
    m = mask_identifiers("公积金余额多少")
    assert m.text == "公积金余额多少" and m.spans == ()


def test_malformed_identifiers_and_duplicate_spans_are_dropped():
    text = "我的公积金余额88，电话13880000001"
    m = mask_identifiers(text)
    p = text.index("138")
    body = {"text": m.text, "entities": [
        {"entity": "id_number", "start": 7, "end": 9, "value": "88", "extractor": "DIETClassifier"},
        {"entity": "phone", "start": p, "end": p + 11, "value": "13900001111", "extractor": "DIETClassifier"},
        {"entity": "phone", "start": p, "end": p + 11, "value": "13900001111", "extractor": "RegexEntityExtractor"},
    ]}
    out = m.restore(body)["entities"]
    assert [(e["entity"], e["value"], e["extractor"]) for e in out] == [
        ("phone", "13880000001", "RegexEntityExtractor")]


def test_separated_and_prefixed_identifiers_get_stand_ins_too():
    for text in ("打+8613880000001", "电话138-8000-0001", "sfz510104198506122310", "证号510104-19850612-2310"):
        m = mask_identifiers(text)
        assert len(m.text) == len(text)
        assert "8000" not in m.text and "19850612" not in m.text


def test_an_identifier_the_model_did_not_tag_is_still_an_entity_of_its_kind():
    # Rasa's regexes know only ungrouped shapes: a grouped ID, a spoken phone in numerals, an
    # application number it missed are still found — by the one definition that masked them.
    text = "身份证号码是5101 0419 5808 0314 61，电话幺三九八二七三四五六幺，查CJ20261020000456"
    m = mask_identifiers(text)
    out = m.restore({"text": m.text, "intent": {"name": "inform", "confidence": 0.9}, "entities": []})
    found = {(e["entity"], text[e["start"]:e["end"]]) for e in out["entities"]}
    assert found == {("id_number", "5101 0419 5808 0314 61"), ("phone", "幺三九八二七三四五六幺"),
                     ("application_no", "CJ20261020000456")}
    assert all(e["value"] == text[e["start"]:e["end"]] for e in out["entities"])


def test_a_tagged_identifier_is_not_reported_twice_and_a_bare_six_digit_number_is_not_a_code():
    text = "电话13880000001，编号654321"
    m = mask_identifiers(text)
    p = text.index("138")
    out = m.restore({"text": m.text, "entities": [
        {"entity": "phone", "start": p, "end": p + 11, "value": m.text[p:p + 11], "extractor": "RegexEntityExtractor"}]})
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("phone", "13880000001")]
