"""nearby_halls (channel-only: a WeChat location message): the nearest service halls.

There is no NLU training data for it; the channel sends
Incoming(kind="location", location=(lat, lon), intent="nearby_halls").
"""
from __future__ import annotations

import math

from bot.city.departments import DEPARTMENTS
from bot.conversation.contract import Handler, Result, Turn
from bot.core.messages import ListReply

EARTH_RADIUS_KM = 6371.0
SHOWN = 3


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class NearbyHalls(Handler):
    intent = "nearby_halls"
    label = ""
    purpose = False      # only a channel sends it (a WeChat location)
    department = DEPARTMENTS["zwfw"]

    def handle(self, turn: Turn) -> Result:
        where = turn.incoming.location
        if not where:
            return Result.say("请在微信里点“+”发送您的位置，我来找离您最近的政务服务大厅。")
        halls = turn.services.adapters.appointments.halls()
        nearest = sorted(halls, key=lambda h: distance_km(where, (h.lat, h.lon)))[:SHOWN]
        items = tuple(f"{h.name}（约{distance_km(where, (h.lat, h.lon)):.1f}公里）\n地址：{h.address}\n"
                      f"时间：{h.hours}\n电话：{h.phone}" for h in nearest)
        return Result([ListReply("离您最近的政务服务大厅", items, "回复“预约”可以预约到大厅办事。")],
                      served={"department": self.department})
