#!/usr/bin/env python3
"""Latency of sequential signed WeChat text messages through the whole path
(webhook → dispatcher → NLU → handler → adapter → sandbox backend → passive reply).

Run against `make run`:
    .venv/bin/python scripts/bench_e2e.py --n 1000

One citizen binds their identity first (王建国, sandbox code 123456), then sends
--n messages drawn from a realistic mix of personal queries, guide questions and
small talk; each message has its own MsgId, timestamp and nonce. Prints p50/p90/p99
and the mean, and which share of replies carried a real answer.

With --unique every message is a different guide question ("<district>哪里可以办<item>"
and two more phrasings over the 46 service items of nlu_data/service_items.txt), and the
assistant's NLU cache (keys under --nlu-cache-prefix in REDIS_URL) is emptied first, so
every message is parsed by Rasa: the path's latency without the cache's help.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import secrets
import statistics
import sys
import os
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.benchstats import percentile  # noqa: E402

MIX = [
    "CJ20261101000123 这个签注办到哪了",
    "我的公积金还有多少钱",
    "社保交了多少个月了",
    "办居住证需要什么材料",
    "你好",
    "帮我查下港澳签注进度 CJ20261101000123",
    "公积金余额",
    "护照在哪里办",
    "谢谢",
    "营业执照要多久能办下来",
]


DISTRICTS = ["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区",
             "双流区", "郫都区", "新津区", "高新区", "天府新区"]
TEMPLATES = ["{d}哪里可以办{i}", "我想问下在{d}办{i}要带啥子材料", "{i}在{d}哪个大厅能办"]


def unique_texts(n: int, rnd: random.Random) -> list[str]:
    items = [l.strip() for l in open(ROOT / "nlu_data" / "service_items.txt", encoding="utf-8") if l.strip()]
    combos = [t.format(d=d, i=i) for t in TEMPLATES for d in DISTRICTS for i in items]
    if n > len(combos):
        raise SystemExit(f"--unique allows at most {len(combos)} messages")
    return rnd.sample(combos, n)


def flush_nlu_cache(redis_url: str, prefix: str) -> int:
    import redis  # the application's environment has it
    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(match=prefix + "*", count=1000))
    return r.delete(*keys) if keys else 0


def sign(token: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), secrets.token_hex(6)
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    return {"signature": sig, "timestamp": ts, "nonce": nonce}


def text_xml(user: str, text: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8000/wechat")
    ap.add_argument("--token", default="sandbox-token")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unique", action="store_true", help="every message a new text, NLU cache emptied first")
    ap.add_argument("--nlu-cache-prefix", default="gov:nlu:")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    texts = unique_texts(args.n, rnd) if args.unique else [rnd.choice(MIX) for _ in range(args.n)]
    if args.unique:
        dropped = flush_nlu_cache(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), args.nlu_cache_prefix)
        print(f"NLU cache emptied ({dropped} parses)")
    http = requests.Session()
    user = f"o_bench_{secrets.token_hex(4)}"
    msg_id = rnd.randrange(10**15, 10**16)

    def send(text: str) -> tuple[float, str]:
        nonlocal msg_id
        msg_id += 1
        t0 = time.perf_counter()
        r = http.post(args.url, params=sign(args.token), data=text_xml(user, text, msg_id),
                      headers={"Content-Type": "text/xml"}, timeout=10)
        return time.perf_counter() - t0, r.text

    for step in ["我要实名认证", "王建国", "510104198506122310", "123456"]:
        send(step)
    lat, answered = [], 0
    for text in texts:
        dt, body = send(text)
        lat.append(dt * 1000)
        answered += ("审批中" in body or "余额" in body or "材料" in body or "个月" in body
                     or "您好" in body or "不客气" in body or "工作日" in body or "办理" in body)
    lat.sort()
    q = lambda p: percentile(lat, p)
    kind = "every one a new text (NLU cache emptied)" if args.unique else f"mix of {len(MIX)} texts"
    print(f"messages: {args.n} sequential, one bound citizen, {kind}")
    print(f"latency ms: p50 {q(0.50):.1f}  p90 {q(0.90):.1f}  p99 {q(0.99):.1f}  mean {statistics.mean(lat):.1f}  "
          f"max {lat[-1]:.1f}")
    print(f"replies with an answer: {answered}/{args.n}")


if __name__ == "__main__":
    main()
