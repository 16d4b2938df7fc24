"""The citizen's own accounts and applications: housing fund, social insurance,
medical insurance, business registration, utility bills.

Each answer gives the figures and the next step in a card. All need a bound
identity and query with the bound ID number only (the dispatcher refuses an ID
number of someone else before any handler runs). A missing record answers the
same whether it does not exist or belongs to someone else (adapters raise
NotFound for both).
"""
from __future__ import annotations

from adapters.errors import NotFound
from bot.city.departments import DEPARTMENTS
from bot.conversation.contract import Handler, Result, Slot, Turn
from bot.core import clock
from bot.core.messages import Card, ListReply, Text
from handlers import validators
from handlers.common import date_cn, datetime_cn, month_cn, yuan

PROGRESS_WORDS = ("提取", "贷款", "进度", "办理", "办到", "审批", "到账")

# The one answer for "no such application" and "not yours": they must not differ.
NOT_FOUND_APPLICATION = ("没有查到您名下这个编号的办件。请核对编号（在受理回执上）；"
                         "如果刚提交不久，可能还未录入系统，请稍后再查。")
MAX_CARDS = 3


def own_applications(turn: Turn, *, one, many, card, nothing: str, department: str) -> Result:
    """Progress of the citizen's applications, the same way for every backend that has them.
    With a number (turn.slots["application_no"]): that application, if it is the citizen's
    (`one(number, id_number)`; NotFound answers like a missing one). Without: the applications
    still in progress (`many(id_number)`), or the latest one; `nothing` when there is none."""
    number = turn.slots.get("application_no")
    if number:
        try:
            apps = [one(number, turn.citizen.id_number)]
        except NotFound:
            return Result.say(NOT_FOUND_APPLICATION)
    else:
        apps = sorted(many(turn.citizen.id_number), key=lambda a: a.updated_at, reverse=True)
        if not apps:
            return Result.say(nothing, served={"department": department})
        apps = [a for a in apps if not a.done] or apps[:1]
    day = clock.today()
    return Result([card(a, day) for a in apps[:MAX_CARDS]], served={"department": department})


def application_card(title: str, app, day, details, extra=()) -> Card:
    """One application: its number, the details given, when it last moved, and the next step."""
    fields = (("受理编号", app.application_no), *details, ("更新时间", datetime_cn(app.updated_at, day)), *extra)
    return Card(title, fields, f"下一步：{app.next_step}" if app.next_step else "")


class QueryHousingFund(Handler):
    intent = "query_housing_fund"
    label = "公积金查询"
    department = DEPARTMENTS["gjj"]
    needs_identity = True

    NEXT_STEP = {
        "正常缴存": "可在“天府通办”App或“成都公积金”微信公众号办理租房提取、查看缴存明细。",
        "封存": "账户已封存（原单位停缴）。入职新单位后由新单位办理转移接续；符合条件也可申请提取。",
        "销户": "账户已销户，余额已提取。如有疑问请带身份证到公积金中心各分中心咨询。",
    }

    def handle(self, turn: Turn) -> Result:
        fund = turn.services.adapters.housing_fund
        try:
            acct = fund.account(turn.citizen.id_number)
        except NotFound:
            return Result.say("没有查到您名下的住房公积金账户。单位为您开户缴存后，一般次月可以查到；"
                              "如有疑问请带身份证到公积金中心咨询（12329热线）。", served={"department": self.department})
        fields = (("账户状态", acct.status), ("账户余额", yuan(acct.balance)),
                  ("月缴存额", yuan(acct.monthly_deposit)), ("缴存至", month_cn(acct.last_deposit_month)),
                  ("缴存单位", acct.employer))
        replies = [Card("住房公积金账户", fields, self.NEXT_STEP.get(acct.status, ""))]
        if any(w in (turn.text or "") for w in PROGRESS_WORDS):
            replies.append(self._progress(turn))
        return Result(replies, served={"department": self.department})

    @staticmethod
    def _progress(turn: Turn):
        affairs = turn.services.adapters.housing_fund.affairs(turn.citizen.id_number)
        if not affairs:
            return Text("您目前没有公积金提取、贷款等办理中的业务。")
        day = clock.today()
        items = tuple(f"{a.item}：{a.status}（{a.stage}），{datetime_cn(a.updated_at, day)}更新。下一步：{a.next_step}"
                      for a in sorted(affairs, key=lambda a: a.updated_at, reverse=True))
        return ListReply("公积金业务办理进度", items)


class QuerySocialSecurity(Handler):
    intent = "query_social_security"
    label = "社保查询"
    department = DEPARTMENTS["rsj"]
    needs_identity = True

    def handle(self, turn: Turn) -> Result:
        try:
            acct = turn.services.adapters.social_insurance.account(turn.citizen.id_number)
        except NotFound:
            return Result.say("没有查到您的社保参保记录。参加工作后由单位办理参保；灵活就业人员可在“天府通办”App"
                              "办理个人参保登记。", served={"department": self.department})
        paid = f"{acct.pension_months_paid} 个月"
        paid += "，连续缴费无断缴" if acct.continuous else f"，其中断缴 {acct.gap_months} 个月"
        fields = [("参保状态", acct.status), ("养老保险累计缴费", paid)]
        if acct.retired:
            if acct.monthly_pension is not None:
                fields.append(("每月养老金", yuan(acct.monthly_pension)))
            if acct.retired_on:
                fields.append(("退休时间", date_cn(acct.retired_on)))
            footer = "退休人员每年需做一次养老金领取资格认证，可在“天府通办”或“四川人社”App刷脸完成。"
        else:
            fields += [("缴费至", month_cn(acct.last_paid_month))]
            if acct.employer:
                fields.append(("参保单位", acct.employer))
            if acct.status == "暂停缴费":
                footer = "目前暂停缴费。灵活就业人员可在“天府通办”App办理个人参保续缴，避免断缴。"
            elif not acct.continuous:
                footer = f"有 {acct.gap_months} 个月断缴，可咨询单位或区社保局了解补缴条件。"
            else:
                footer = "缴费正常。缴费明细可在“天府通办”App“社保查询”中查看。"
        return Result([Card("社会保险参保情况", tuple(fields), footer)], served={"department": self.department})


class QueryMedicalInsurance(Handler):
    intent = "query_medical_insurance"
    label = "医保查询"
    department = DEPARTMENTS["ybj"]
    needs_identity = True

    def handle(self, turn: Turn) -> Result:
        try:
            acct = turn.services.adapters.medical_insurance.account(turn.citizen.id_number)
        except NotFound:
            return Result.say("没有查到您的医保参保信息。城乡居民医保每年9-12月集中参保，可在“天府通办”App办理。",
                              served={"department": self.department})
        fields = [("参保类型", acct.insured_type), ("参保状态", acct.status), ("个人账户余额", yuan(acct.balance))]
        day = clock.today()
        claims = sorted(acct.reimbursements, key=lambda c: c.updated_at, reverse=True)[:3]
        for c in claims:
            fields.append((f"{c.visit_type}报销（{date_cn(c.submitted_on, day)}）",
                           f"{c.hospital}，费用 {yuan(c.total)}，医保支付 {yuan(c.reimbursed)}，{c.status}"))
        pending = next((c for c in claims if c.status in ("已提交", "审核中", "审核不通过")), None)
        footer = f"报销进度：{pending.note}" if pending else "个人账户可用于门诊、药店购药；报销明细可在“天府通办”查看。"
        return Result([Card("医疗保险", tuple(fields), footer)], served={"department": self.department})


class QueryBusinessRegistration(Handler):
    intent = "query_business_registration"
    label = "营业执照办理进度"
    department = DEPARTMENTS["scjg"]
    needs_identity = True
    owns_prefixes = ("QY",)
    slots = (Slot("application_no", "请告诉我登记的受理编号（QY开头）。",
                  validate=validators.application_no(("QY",)), optional=True,
                  prefill=validators.application_no_in),)

    def handle(self, turn: Turn) -> Result:
        market = turn.services.adapters.market_regulation
        return own_applications(turn, one=market.registration, many=market.registrations, card=self._card,
                                nothing="没有查到您名下的企业登记申请。开办企业可在“蓉易办”平台网上申请，"
                                        "一般 1 个工作日内办结。", department=self.department)

    @staticmethod
    def _card(r, day) -> Card:
        ready = [("营业执照", "已可领取" + (f"（{r.collect_place}）" if r.collect_place else ""))] if r.licence_ready else []
        return application_card("企业登记进度", r, day, (("企业名称", r.company_name), ("登记类型", r.registration_type),
                                                     ("状态", r.status)), ready)


class QueryUtilityBill(Handler):
    intent = "query_utility_bill"
    label = "水电气账单"
    department = DEPARTMENTS["gysy"]
    needs_identity = True

    KINDS = ("水费", "电费", "燃气费")
    KIND_WORDS = {"水费": ("水费", "自来水", "水电"), "电费": ("电费", "用电", "水电"), "燃气费": ("燃气", "气费", "天然气")}

    def handle(self, turn: Turn) -> Result:
        bills = turn.services.adapters.utilities.bills(turn.citizen.id_number)
        text = turn.text or ""
        asked = set() if "水电气" in text else {k for k, ws in self.KIND_WORDS.items() if any(w in text for w in ws)}
        if asked:
            bills = [b for b in bills if b.kind in asked]
        if not bills:
            what = "、".join(sorted(asked, key=self.KINDS.index)) or "水电气"
            return Result.say(f"没有查到您名下的{what}账户。户名不是本人的账户需要户主本人查询，"
                              "或在“天府通办”生活缴费中按户号查询。", served={"department": self.department})
        day = clock.today()
        unpaid = sorted((b for b in bills if not b.paid), key=lambda b: b.due_date)
        if not unpaid:
            latest = max(bills, key=lambda b: b.period)
            return Result.say(f"您的{'、'.join(sorted({b.kind for b in bills}, key=self.KINDS.index))}都已缴清，"
                              f"没有待缴账单（最近一期 {month_cn(latest.period)}）。", served={"department": self.department})
        items = []
        for b in unpaid:
            overdue = "，已逾期" if b.due_date < day else ""
            items.append(f"{b.kind} {yuan(b.amount_due)}（{month_cn(b.period)}，户号 {b.account_no}，"
                         f"{date_cn(b.due_date, day)}前缴{overdue}）")
        total = sum((b.amount_due for b in unpaid), start=type(unpaid[0].amount_due)(0))
        footer = (f"合计待缴 {yuan(total)}。可在“天府通办”App生活缴费、微信/支付宝生活缴费或营业厅缴纳；"
                  "逾期可能产生违约金。")
        return Result([ListReply("待缴的水电气费", tuple(items), footer)], served={"department": self.department})
