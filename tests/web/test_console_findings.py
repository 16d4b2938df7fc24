"""The console's side of the cross-department checks and the staff counts: a department sees and
reviews its own findings only, confirms or dismisses each once with a note, every finding shown is
audited as a read; the counts over the ledger withhold small cells and every query is audited."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from bot.records import NewFinding

SI, MZ = "人力资源和社会保障局", "民政局"


def _keep(rt, rule="pension_after_death", reviewer=SI, id_number="510122194807120030", name="周德明"):
    finding_id, new = rt.records.findings.keep(NewFinding(
        rule=rule, reviewer=reviewer, id_number=id_number, name=name, district="双流区", period="2026-08",
        summary="2026-08-15 死亡登记后仍发放养老金 2 个月（2026-09、2026-10），共 460.00 元",
        evidence={MZ: {"registration_no": "SW20260815000117"}, SI: {"months": ["2026-09", "2026-10"], "amount": "460.00"}}),
        run_id=1)
    assert new
    return finding_id


def _audits(rt, actor):
    return [r for r in rt.records.audit.search(actor=actor, limit=1000)]


def test_a_department_sees_and_reviews_its_own_findings_only(operator, fake_runtime):
    own = _keep(fake_runtime)
    other = _keep(fake_runtime, rule="dibao_company_officer", reviewer=MZ, id_number="510108198009090042", name="孙小梅")
    si = operator("department", SI)
    page = si.get("/console/findings").get_data(as_text=True)
    assert "周德明" in page and "510***********0030" in page and "孙小梅" not in page
    assert "510122194807120030" not in page
    assert si.get(f"/console/findings/{other}").status_code == 403
    assert si.post(f"/console/findings/{other}/review", {"decision": "dismissed", "note": "x"}).status_code == 403
    detail = si.get(f"/console/findings/{own}").get_data(as_text=True)
    assert "SW20260815000117" in detail and "460.00" in detail
    csv_text = si.get("/console/findings.csv").get_data(as_text=True)
    assert "周德明" in csv_text and "孙小梅" not in csv_text
    # every finding shown was audited as a read of that citizen, for this department
    reads = _audits(fake_runtime, f"account:{si.name}")
    assert {r["purpose"] for r in reads} == {"crosscheck_review"}
    assert {r["citizen"] for r in reads} == {pseudonym("id_number", "510122194807120030")}
    assert {r["operation"] for r in reads} >= {"finding_list:pension_after_death", "finding:pension_after_death",
                                               "finding_csv:pension_after_death"}
    assert all(r["department"] == SI for r in reads)
    office = operator("office")
    page = office.get("/console/findings").get_data(as_text=True)
    assert "周德明" in page and "孙小梅" in page


def test_confirm_or_dismiss_once_with_a_note(operator, fake_runtime):
    first = _keep(fake_runtime)
    second = _keep(fake_runtime, id_number="510104194001010012", name="乙")
    si = operator("department", SI)
    refused = si.post(f"/console/findings/{first}/review", {"decision": "confirmed", "note": " "},
                      form_page=f"/console/findings/{first}")
    assert refused.status_code == 400 and "请填写核查说明" in refused.get_data(as_text=True)
    assert fake_runtime.records.findings.get(first)["status"] == "open"
    ok = si.post(f"/console/findings/{first}/review", {"decision": "confirmed", "note": "已核实，停发并追回"},
                 form_page=f"/console/findings/{first}")
    assert ok.status_code == 302
    f = fake_runtime.records.findings.get(first)
    assert (f["status"], f["note"], f["reviewed_by"]) == ("confirmed", "已核实，停发并追回", f"account:{si.name}")
    again = si.post(f"/console/findings/{first}/review", {"decision": "dismissed", "note": "改主意"},
                    form_page=f"/console/findings/{second}")
    assert again.status_code == 400 and fake_runtime.records.findings.get(first)["status"] == "confirmed"
    si.post(f"/console/findings/{second}/review", {"decision": "dismissed", "note": "死亡登记有误，已更正"},
            form_page=f"/console/findings/{second}")
    assert fake_runtime.records.findings.get(second)["status"] == "dismissed"
    assert "已确认" in si.get(f"/console/findings/{first}").get_data(as_text=True)


def test_a_finding_kept_again_stays_one_row_and_keeps_its_review(fake_runtime):
    finding_id = _keep(fake_runtime)
    fake_runtime.records.findings.review(finding_id, "dismissed", "核实无误", by="account:x", department=SI)
    again, new = fake_runtime.records.findings.keep(NewFinding(
        rule="pension_after_death", reviewer=SI, id_number="510122194807120030", name="周德明", district="双流区",
        period="2026-08", summary="changed", evidence={}), run_id=2)
    assert (again, new) == (finding_id, False)
    f = fake_runtime.records.findings.get(finding_id)
    assert f["times_seen"] == 2 and f["status"] == "dismissed" and f["summary"] != "changed"


def test_other_roles_cannot_open_the_findings(operator):
    agent = operator("agent")
    assert agent.get("/console/findings").status_code == 403
    assert agent.get("/console/ledger-counts").status_code == 403


def test_ledger_counts_withhold_small_cells_and_every_query_is_audited(operator, fake_runtime):
    tag = uuid.uuid4().hex[:8]
    wo = fake_runtime.adapters.workorders
    for i in range(7):
        wo.create("noise", "生态环境局", f"噪音 {tag} {i}", "金牛区", None, None, f"{tag}-n{i}")
    for i in range(2):
        wo.create("noise", "生态环境局", f"噪音 {tag} w{i}", "武侯区", None, None, f"{tag}-w{i}")
    office = operator("office")
    month = f"{CLOCK.today():%Y-%m}"
    page = office.get(f"/console/ledger-counts?rows=district&cols=event&f_month={month}").get_data(as_text=True)
    table = page[page.index('id="counts"'):]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert cells and all(c == "*" or int(c) >= 5 for c in cells)
    assert "*" in cells                              # 武侯区's 2 are withheld
    reads = _audits(fake_runtime, f"account:{office.name}")
    assert len(reads) == 1 and reads[0]["purpose"] == "staff_query" and reads[0]["citizen"] == "aggregate"
    assert reads[0]["operation"].startswith("districtxevent ")
    office.get("/console/ledger-counts?rows=status&cols=month")
    assert len(_audits(fake_runtime, f"account:{office.name}")) == 2
    dept = operator("department", "教育局")
    r = dept.get("/console/ledger-counts")
    assert r.status_code == 200, r.get_data(as_text=True)[-2000:]
    assert [r["department"] for r in _audits(fake_runtime, f"account:{dept.name}")] == ["教育局"]


def test_the_staff_api_lists_and_reviews_a_departments_own_findings(console_app, operator, fake_runtime):
    import base64
    own = _keep(fake_runtime)
    other = _keep(fake_runtime, rule="dibao_company_officer", reviewer=MZ, id_number="510108198009090042", name="孙小梅")
    si = operator("department", SI)
    client = console_app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{si.name}:a-long-enough-password".encode()).decode()}
    assert client.get("/api/staff/findings").status_code == 401
    listed = client.get("/api/staff/findings", headers=auth).get_json()["findings"]
    assert [f["id"] for f in listed] == [own] and "citizen_key" not in listed[0]
    assert listed[0]["masked_id"] == "510***********0030" and "510122194807120030" not in str(listed)
    assert client.get(f"/api/staff/findings/{other}", headers=auth).status_code == 403
    bad = client.post(f"/api/staff/findings/{own}/review", headers=auth, json={"decision": "confirmed"})
    assert bad.status_code == 400 and "核查说明" in bad.get_json()["error"]
    ok = client.post(f"/api/staff/findings/{own}/review", headers=auth, json={"decision": "confirmed", "note": "已停发"})
    assert ok.status_code == 200 and ok.get_json()["finding"]["status"] == "confirmed"
    assert client.post(f"/api/staff/findings/{other}/review", headers=auth,
                       json={"decision": "dismissed", "note": "x"}).status_code == 403
    reads = _audits(fake_runtime, f"account:{si.name}")
    assert {r["operation"] for r in reads} >= {"api_finding_list:pension_after_death", "api_finding_review:pension_after_death"}


def test_staff_counts_cover_whole_months_so_a_day_apart_gives_nothing_away():
    import datetime as dt
    from bot.web.console.ledger_counts import whole_months
    assert whole_months(dt.date(2026, 11, 2), dt.date(2026, 11, 29)) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert whole_months(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == whole_months(dt.date(2026, 11, 2),
                                                                                     dt.date(2026, 11, 30))
    assert whole_months(dt.date(2026, 12, 15), dt.date(2027, 2, 3)) == (dt.date(2026, 12, 1), dt.date(2027, 2, 28))


def test_ledger_counts_include_endorsements_for_the_office_and_exit_entry_only(operator):
    """"Endorsements in review by district this month": the exit-entry staff listing counts too,
    for the office and for 公安出入境管理局's own accounts, never for another department."""
    office, crj, edu = operator("office"), operator("department", "crj"), operator("department", "教育局")
    # the two whole months before this one (whatever day of the month it is)
    since = (CLOCK.today().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    until = CLOCK.today().replace(day=1) - dt.timedelta(days=1)
    query = f"/console/ledger-counts?rows=district&cols=status&f_domain=出入境&since={since}&until={until}"
    shown = {}
    for who in (office, crj, edu):
        page = who.get(query).get_data(as_text=True)
        table = page[page.index('id="counts"'):] if 'id="counts"' in page else ""
        shown[who.name] = [int(c) for c in re.findall(r"<td>(\d+)</td>", table)]
    assert shown[office.name] and all(n >= 5 for n in shown[office.name])
    assert shown[crj.name] == shown[office.name]
    assert not shown[edu.name]
    since = CLOCK.today() - dt.timedelta(days=300)
    page = office.get(f"/console/ledger-counts?rows=domain&cols=status&since={since}").get_data(as_text=True)
    assert "<th>出入境</th>" in page
