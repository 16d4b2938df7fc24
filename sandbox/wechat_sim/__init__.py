"""A WeChat API simulator for the sandbox and the tests: `python -m sandbox.wechat_sim --port 9200`.

It answers the endpoints the assistant calls, with WeChat's JSON and error
codes, records everything it receives, and can be told to misbehave:

    cgi-bin/token, cgi-bin/stable_token         access tokens (counted: GET /__sim/stats)
    cgi-bin/message/custom/send                 customer-service messages (45015 / 45047 rules)
    cgi-bin/message/template/send               template messages
    cgi-bin/message/subscribe/bizsend, /send    subscribe messages (OA, mini-program)
    cgi-bin/menu/create, cgi-bin/menu/get       the custom menu
    sns/jscode2session                          `sandbox:<openid>` once → that openid, else 40029
                                                (`sandbox:<openid>/<n>`: another code of that user;
                                                the mini-program's AppID and secret only)
    wxa/msg_sec_check                           msgSecCheck v2 (mini-program token): `risky` for a text
                                                with "sim-risky", `review` with "sim-review", else `pass`

    GET /__sim/received?kind=custom             what arrived (kinds: token, stable_token, custom,
    DELETE /__sim/received                      template, bizsend, subscribe, menu, jscode2session,
                                                msg_sec_check)
    GET /__sim/stats                            counts per kind and token fetches
    POST /__sim/faults {...}                    misbehave (see faults.py); DELETE /__sim/faults
    POST /__sim/interactions {"openid", "action"}   a citizen wrote/clicked: opens the window
    POST /__sim/reset                           forget everything

Credentials: WECHAT_APP_ID / WECHAT_APP_SECRET (the Official Account) and WECHAT_MP_APP_ID /
WECHAT_MP_APP_SECRET (the mini-program), sandbox defaults of config.yaml (docs/contracts.md).
"""
from sandbox.wechat_sim.app import create_sim_app

__all__ = ["create_sim_app"]
