"""Publish the custom menu of `config.yaml` (`wechat.menu`) to WeChat.

    python -m bot.wechat_api.menu publish     # cgi-bin/menu/create
    python -m bot.wechat_api.menu show        # what WeChat has now (cgi-bin/menu/get)
    python -m bot.wechat_api.menu print       # the JSON that publish would send

The menu is checked when settings load (bot.channels.wechat_oa.config): at most
3 top-level buttons of at most 5 sub-buttons, WeChat's name lengths, and CLICK
keys that are intent names — a click arrives as Incoming(intent=<key>).
"""
from __future__ import annotations

import argparse
import json
import sys

from bot.wechat_api.client import WeChatApi


def menu_body(menu) -> dict:
    return {"button": [dict(b) for b in menu]}


def publish(api: WeChatApi, menu) -> None:
    api.call("POST", "cgi-bin/menu/create", body=menu_body(menu))


def current(api: WeChatApi) -> dict:
    return api.call("GET", "cgi-bin/menu/get")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.wechat_api.menu", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("publish", "show", "print"))
    args = parser.parse_args(argv)

    from bot.channels.wechat_oa.config import load_wechat_settings
    from bot.core.errors import ConfigError
    from bot.core.redis_hub import RedisHub
    from bot.core.settings import load_settings
    from bot.wechat_api import WeChatError, build_api

    try:
        settings = load_settings()
        wechat = load_wechat_settings(settings.wechat, production=settings.is_production)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    if args.action == "print":
        print(json.dumps(menu_body(wechat.menu), ensure_ascii=False, indent=2))
        return 0
    api = build_api(wechat, RedisHub(settings.redis.url, settings.redis.key_prefix))
    try:
        if args.action == "publish":
            publish(api, wechat.menu)
            print(f"menu published to {wechat.api_base_url} ({len(wechat.menu)} top-level buttons)")
        else:
            print(json.dumps(current(api), ensure_ascii=False, indent=2))
    except WeChatError as e:
        print(f"WeChat refused: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
