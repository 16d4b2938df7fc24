"""Publish the custom menu of `config.yaml` (`wechat.menu`) to WeChat.

    python -m bot.wechat_api.menu publish     # cgi-bin/menu/create
    python -m bot.wechat_api.menu show        # what WeChat has now (cgi-bin/menu/get)
    python -m bot.wechat_api.menu print       # the JSON that publish would send

The menu is checked when settings load (bot.wechat_api.settings): at most
3 top-level buttons of at most 5 sub-buttons, WeChat's name lengths, and CLICK
keys that are intent names — a click arrives as Incoming(intent=<key>).
"""
from __future__ import annotations

import argparse
import json
import sys

from bot.wechat_api.client import WeChatApi


class Menu:
    def __init__(self, api: WeChatApi):
        self.api = api

    @staticmethod
    def body(menu) -> dict:
        """What cgi-bin/menu/create takes for `menu` (the checked `wechat.menu`)."""
        return {"button": [dict(b) for b in menu]}

    def publish(self, menu) -> None:
        self.api.call("POST", "cgi-bin/menu/create", body=self.body(menu))

    def current(self) -> dict:
        return self.api.call("GET", "cgi-bin/menu/get")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.wechat_api.menu", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("publish", "show", "print"))
    args = parser.parse_args(argv)

    from bot.core.errors import ConfigError
    from bot.core.redis_hub import RedisHub
    from bot.core.settings import load_settings
    from bot.wechat_api import WeChatError, build_client

    try:
        settings = load_settings()
        client = build_client(settings, RedisHub(settings.redis.url, settings.redis.key_prefix))
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    wechat = client.settings
    if args.action == "print":
        print(json.dumps(Menu.body(wechat.menu), ensure_ascii=False, indent=2))
        return 0
    try:
        if args.action == "publish":
            client.menu.publish(wechat.menu)
            print(f"menu published to {wechat.api_base_url} ({len(wechat.menu)} top-level buttons)")
        else:
            print(json.dumps(client.menu.current(), ensure_ascii=False, indent=2))
    except WeChatError as e:
        print(f"WeChat refused: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
