"""Where each sandbox backend listens: port_base + a fixed offset per backend.

The WeChat API simulator is not part of this sandbox process; it runs on
port_base + 100 (see sandbox/wechat_sim/).
"""
from __future__ import annotations

OFFSETS = {
    "control": 0,
    "identity": 1,
    "housing_fund": 2,
    "social_insurance": 3,
    "medical_insurance": 4,
    "exit_entry": 5,
    "market_regulation": 6,
    "utilities": 7,
    "appointments": 8,
    "workorders": 9,
    "civil_affairs": 10,
}

DEFAULT_PORT_BASE = 9100

BACKENDS = tuple(name for name in OFFSETS if name != "control")


def port_of(name: str, port_base: int = DEFAULT_PORT_BASE) -> int:
    return port_base + OFFSETS[name]


def backend_urls(port_base: int = DEFAULT_PORT_BASE, host: str = "127.0.0.1") -> dict[str, str]:
    """{name: "http://host:port"} for every backend and for the control port."""
    return {name: f"http://{host}:{port_base + offset}" for name, offset in OFFSETS.items()}
