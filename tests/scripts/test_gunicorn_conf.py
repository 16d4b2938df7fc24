"""deploy/gunicorn.conf.py warns when the kernel would cut its accept queue (net.core.somaxconn)."""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _conf(monkeypatch, backlog: str):
    monkeypatch.setenv("WEB_BACKLOG", backlog)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "deploy/gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Server:
    def __init__(self):
        self.log = logging.getLogger("gunicorn-under-test")


def test_a_backlog_above_somaxconn_is_warned_about(monkeypatch, tmp_path, caplog):
    cap = tmp_path / "somaxconn"
    cap.write_text("128\n")
    conf = _conf(monkeypatch, "2048")
    monkeypatch.setattr(conf, "SOMAXCONN", str(cap))
    with caplog.at_level(logging.WARNING, logger="gunicorn-under-test"):
        conf.on_starting(Server())
    assert "capped at net.core.somaxconn 128" in caplog.text


def test_no_warning_when_the_kernel_allows_the_backlog(monkeypatch, tmp_path, caplog):
    conf = _conf(monkeypatch, "64")
    cap = tmp_path / "somaxconn"
    cap.write_text("4096\n")
    assert conf.accept_queue_cap(str(cap)) == 4096
    assert conf.accept_queue_cap(str(tmp_path / "missing")) is None
    monkeypatch.setattr(conf, "SOMAXCONN", str(cap))
    with caplog.at_level(logging.WARNING, logger="gunicorn-under-test"):
        conf.on_starting(Server())
    assert "somaxconn" not in caplog.text
