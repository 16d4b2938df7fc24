"""The simulator's HTTP endpoints (see the package docstring for the list)."""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, jsonify, request

from sandbox.wechat_sim.state import Faults, SimState, new_session_key

# WeChat answers HTTP 200 with {"errcode", "errmsg"} for business errors.
ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40023: "invalid sub button size",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    41001: "access_token missing",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45002: "content size out of limit",
    46003: "menu no exist",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    48001: "api unauthorized",
    47001: "data format error",
}


# msgSecCheck's verdicts in the simulator: a text holding one of these words is `risky` / `review`.
RISKY_WORDS = ("sim-risky", "赌博网站")
REVIEW_WORDS = ("sim-review", "代开发票")


def err(code: int):
    return jsonify(errcode=code, errmsg=ERRMSG.get(code, "error"))


def create_sim_app(state: SimState | None = None) -> Flask:
    state = state or SimState()
    app = Flask("wechat_sim")
    app.config["SIM_STATE"] = state

    def endpoint(kind: str, *, token: bool = True):
        """Record, apply faults, check the access_token, then run the endpoint."""
        def wrap(fn):
            @wraps(fn)
            def inner():
                body = request.get_json(silent=True) if request.method == "POST" else None
                entry = state.record(kind, request.args.to_dict(), body)
                faults = state.faults
                if faults.delay_s and (not faults.delay_kinds or kind in faults.delay_kinds):
                    time.sleep(faults.delay_s)
                status = state.take_fault(faults.http_status, kind)
                if status:
                    entry["failed"] = int(status.get("status", 503))   # recorded as tried, never shown
                    return jsonify(error="simulated failure"), int(status.get("status", 503))
                if token:
                    given = request.args.get("access_token")
                    if not given:
                        return err(41001)
                    if not state.token_valid(given):
                        return err(40001)
                forced = state.take_fault(faults.errors, kind)
                if forced:
                    return err(int(forced["errcode"]))
                if request.method == "POST" and body is None and kind not in ("stable_token",):
                    return err(44002)
                return fn(body)
            return inner
        return wrap

    # -- tokens -------------------------------------------------------------------------------
    @app.get("/cgi-bin/token")
    @endpoint("token", token=False)
    def token(_body):
        a = request.args
        if a.get("grant_type") != "client_credential":
            return err(40002)
        if a.get("appid") != state.app_id:
            return err(40013)
        if a.get("secret") != state.secret:
            return err(40125)
        tok, life = state.issue_cgi_token()
        return jsonify(access_token=tok, expires_in=life)

    @app.post("/cgi-bin/stable_token")
    @endpoint("stable_token", token=False)
    def stable_token(body):
        body = body or {}
        if body.get("grant_type") != "client_credential":
            return err(40002)
        if state.secret_of(body.get("appid")) is None:
            return err(40013)
        if body.get("secret") != state.secret_of(body.get("appid")):
            return err(40125)
        issue = state.issue_mp_token if body.get("appid") == state.mp_app_id else state.issue_stable_token
        tok, life = issue(bool(body.get("force_refresh")))
        return jsonify(access_token=tok, expires_in=life)

    # -- messages -----------------------------------------------------------------------------
    @app.post("/cgi-bin/message/custom/send")
    @endpoint("custom")
    def custom_send(body):
        openid, msgtype = body.get("touser"), body.get("msgtype")
        if not openid or not msgtype:
            return err(47001)
        if msgtype == "text":
            content = (body.get("text") or {}).get("content") or ""
            if not content:
                return err(47001)
            if len(content.encode()) > 2048:
                return err(45002)
        code = state.take_window(openid)
        return err(code) if code else jsonify(errcode=0, errmsg="ok")

    @app.post("/cgi-bin/message/template/send")
    @endpoint("template")
    def template_send(body):
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
            return err(47001)
        return jsonify(errcode=0, errmsg="ok", msgid=state.new_msgid())

    @app.post("/cgi-bin/message/subscribe/bizsend")
    @endpoint("bizsend")
    def oa_subscribe_send(body):
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
            return err(47001)
        return jsonify(errcode=0, errmsg="ok")

    @app.post("/cgi-bin/message/subscribe/send")
    @endpoint("subscribe")
    def mp_subscribe_send(body):
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
            return err(47001)
        return jsonify(errcode=0, errmsg="ok")

    # -- menu ---------------------------------------------------------------------------------
    @app.post("/cgi-bin/menu/create")
    @endpoint("menu")
    def menu_create(body):
        code = _check_menu(body)
        if code:
            return err(code)
        state.menu = body
        return jsonify(errcode=0, errmsg="ok")

    @app.get("/cgi-bin/menu/get")
    @endpoint("menu_get")
    def menu_get(_body):
        if state.menu is None:
            return err(46003)
        return jsonify(menu=state.menu)

    # -- mini-program login -------------------------------------------------------------------
    @app.get("/sns/jscode2session")
    @endpoint("jscode2session", token=False)
    def jscode2session(_body):
        a = request.args
        if a.get("appid") != state.mp_app_id:     # the mini-program's own account, never the OA's
            return err(40013)
        if a.get("secret") != state.mp_secret:
            return err(40125)
        if a.get("grant_type") != "authorization_code":
            return err(40002)
        openid = state.use_code(a.get("js_code", ""))
        if openid is None:
            return err(40029)
        return jsonify(openid=openid, session_key=new_session_key())

    # -- mini-program content security (msgSecCheck v2) ----------------------------------------
    @app.post("/wxa/msg_sec_check")
    @endpoint("msg_sec_check")
    def msg_sec_check(body):
        if not state.mp_token_valid(request.args.get("access_token")):
            return err(48001)        # the Official Account's token: not this account's API
        content, openid = body.get("content"), body.get("openid")
        if body.get("version") != 2 or not openid or not isinstance(content, str) or not content:
            return err(47001)
        if len(content) > 2500:
            return err(45002)
        suggest, label = "pass", 100
        if any(w in content for w in RISKY_WORDS):
            suggest, label = "risky", 20001
        elif any(w in content for w in REVIEW_WORDS):
            suggest, label = "review", 21000
        return jsonify(errcode=0, errmsg="ok", trace_id=f"sim-{state.new_msgid()}",
                       result={"suggest": suggest, "label": label},
                       detail=[{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}])

    # -- control ------------------------------------------------------------------------------
    @app.get("/__sim/received")
    def received():
        kind = request.args.get("kind")
        with state.lock:
            items = [r for r in state.received if kind is None or r["kind"] == kind]
        return jsonify(received=items)

    @app.delete("/__sim/received")
    def clear_received():
        with state.lock:
            state.received.clear()
            state.counts.clear()
        return jsonify(ok=True)

    @app.get("/__sim/stats")
    def stats():
        with state.lock:
            counts = dict(state.counts)
        return jsonify(counts=counts, token_fetches=counts.get("token", 0) + counts.get("stable_token", 0))

    @app.post("/__sim/faults")
    def set_faults():
        try:
            state.faults = Faults.from_json(request.get_json(force=True) or {})
        except (TypeError, ValueError) as e:
            return jsonify(error=str(e)), 400
        return jsonify(ok=True)

    @app.delete("/__sim/faults")
    def clear_faults():
        state.faults = Faults()
        return jsonify(ok=True)

    @app.post("/__sim/interactions")
    def interaction():
        doc = request.get_json(force=True) or {}
        if not doc.get("openid") or doc.get("action") not in ("message", "click", "subscribe", "scan"):
            return jsonify(error="need openid and action (message, click, subscribe, scan)"), 400
        state.interaction(doc["openid"], doc["action"])
        return jsonify(ok=True)

    @app.post("/__sim/reset")
    def reset():
        state.reset()
        return jsonify(ok=True)

    @app.get("/__sim/health")
    def health():
        return jsonify(ok=True)

    return app


def _check_menu(body: dict) -> int:
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016
    for top in buttons:
        if not isinstance(top, dict) or not top.get("name") or len(top["name"].encode()) > 16:
            return 40018
        subs = top.get("sub_button")
        leaves = subs if subs is not None else [top]
        if subs is not None and (not isinstance(subs, list) or not 1 <= len(subs) <= 5):
            return 40023
        for b in leaves:
            if not isinstance(b, dict) or not b.get("name") or len(b["name"].encode()) > 60:
                return 40018
            if b.get("type") == "click":
                if not b.get("key") or len(b["key"].encode()) > 128:
                    return 40019
            elif b.get("type") == "view":
                if not str(b.get("url", "")).startswith(("http://", "https://")):
                    return 40017
            else:
                return 40017
    return 0
