"""python -m sandbox.wechat_sim [--host 127.0.0.1] [--port 9200]"""
from __future__ import annotations

import argparse
import logging

from werkzeug.serving import run_simple

from sandbox.wechat_sim.app import create_sim_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.wechat_sim")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s wechat_sim %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)   # no URLs (tokens, secrets) in the log
    run_simple(args.host, args.port, create_sim_app(), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
