"""ask_service_guide: "办X需要什么材料 / 在哪办 / 要多久 / 收费吗", and life events.

Which item: the service_item entity (NLU maps synonyms to the canonical name),
else a word of the catalogue found in the text, else a life event (生孩子 ...).
Which question: keywords in the text (QUESTION_WORDS); none means an overview.
Nothing recognised: the themes to browse, as choices.
"""
from __future__ import annotations

import json

from bot.city.departments import DEPARTMENTS
from bot.city.service_catalogue import Catalogue, LifeEvent, ServiceItem
from bot.conversation.contract import Handler, Result, Turn
from bot.core.messages import Card, Choice, Choices, Text

# Question type -> words that ask it. Checked in this order; several may apply.
QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "materials": ("材料", "带什么", "需要什么", "要什么", "准备什么", "准备哪些", "资料", "证件要", "哪些东西", "带啥"),
    "conditions": ("条件", "资格", "能不能办", "可以办吗", "能办吗", "符合"),
    "where": ("在哪", "哪里", "地址", "地点", "去哪", "哪儿", "什么地方", "哪个窗口", "哪个部门"),
    "hours": ("几点", "上班时间", "办公时间", "工作时间", "周末", "星期六", "星期天", "开门", "营业时间"),
    "fee": ("收费", "多少钱", "费用", "要钱", "免费", "工本费", "花多少", "价格"),
    "time_limit": ("多久", "几天", "多长时间", "时限", "多快", "什么时候能拿", "什么时候好", "当天"),
    "online": ("网上", "线上", "手机上", "天府通办", "蓉易办", "不用跑", "app", "App", "APP", "小程序", "在线"),
}

REMINDER = "以上信息供参考，办理前请以窗口最新要求为准。"


def question_types(text: str | None) -> list[str]:
    text = text or ""
    return [q for q, words in QUESTION_WORDS.items() if any(w in text for w in words)]


def _direct(item_name: str) -> str:
    return "/ask_service_guide" + json.dumps({"service_item": item_name}, ensure_ascii=False)


class AskServiceGuide(Handler):
    intent = "ask_service_guide"
    label = "办事指南（材料、地点、时限）"
    department = DEPARTMENTS["zwfw"]

    def handle(self, turn: Turn) -> Result:
        catalogue: Catalogue = turn.services.catalogue
        entities = turn.entities
        found: ServiceItem | LifeEvent | None = catalogue.get(entities.get("service_item"))
        if found is None or (isinstance(found, ServiceItem) and isinstance(catalogue.find(turn.text), LifeEvent)):
            found = catalogue.find(turn.text) or found
        if isinstance(found, ServiceItem):
            return Result(self._answer(found, question_types(turn.text)), served={"department": found.department})
        if isinstance(found, LifeEvent):
            return Result(self._bundle(found), served={"department": self.department})
        theme = entities.get("theme") or catalogue.theme_named(turn.text)
        if theme and catalogue.in_theme(theme):
            return Result([self._theme(catalogue, theme)])
        return Result([Choices("您想了解哪方面的事项？也可以直接问，例如“办护照要带什么”“生孩子要办哪些事”。",
                               tuple(Choice(t, "/ask_service_guide" + json.dumps({"theme": t}, ensure_ascii=False))
                                     for t in catalogue.themes))])

    # -- answers ---------------------------------------------------------------------------------
    @staticmethod
    def _answer(item: ServiceItem, questions: list[str]) -> list:
        name = item.name
        if not questions:
            fields = [("所需材料", "；".join(f"{i}. {m}" for i, m in enumerate(item.materials, 1))),
                      ("办理地点", item.where), ("办理时间", item.hours), ("收费", item.fee),
                      ("办理时限", item.time_limit), ("网上办理", item.online)]
            if item.conditions:
                fields.insert(0, ("办理条件", item.conditions))
            footer = " ".join(x for x in (item.notes, REMINDER) if x)
            return [Card(f"{name}办事指南", tuple(fields), footer)]
        parts = []
        for q in questions:
            if q == "materials":
                lines = "\n".join(f"{i}. {m}" for i, m in enumerate(item.materials, 1))
                parts.append(f"办理{name}需要准备：\n{lines}")
            elif q == "conditions":
                parts.append(f"办理条件：{item.conditions or '无特殊条件，本人持有效身份证件即可申请。'}")
            elif q == "where":
                parts.append(f"办理地点：{item.where}（负责部门：{item.department}）")
            elif q == "hours":
                parts.append(f"办理时间：{item.hours}")
            elif q == "fee":
                parts.append(f"收费：{item.fee}")
            elif q == "time_limit":
                parts.append(f"办理时限：{item.time_limit}")
            elif q == "online":
                parts.append(f"网上办理：{item.online}")
        if item.notes:
            parts.append(f"提示：{item.notes}")
        parts.append(REMINDER)
        return [Text("\n".join(parts))]

    @staticmethod
    def _bundle(event: LifeEvent) -> list:
        options = tuple(Choice(f"{s.item}（{s.when}）" if s.when else s.item, _direct(s.item)) for s in event.steps)
        prompt = event.intro + (f"\n{event.tip}" if event.tip else "") + "\n回复编号查看该事项的材料和办理地点："
        return [Choices(prompt, options)]

    @staticmethod
    def _theme(catalogue: Catalogue, theme: str) -> Choices:
        items = catalogue.in_theme(theme)
        return Choices(f"“{theme}”类事项（回复编号查看办事指南）：",
                       tuple(Choice(i.name, _direct(i.name)) for i in items))
