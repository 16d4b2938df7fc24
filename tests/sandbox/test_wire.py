"""Behaviour of the sandbox backends that the adapters rely on but do not
show: signature checks, replay refusal, idempotency-key misuse."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import requests

from sandbox.backends.housing_fund import canonical_query, string_to_sign

SECRET = b"sandbox-gjj-secret"
WANG = "510104198506122310"


def signed(body: bytes, *, ts: int | None = None, nonce: str | None = None, path="/gjj/open/v2/account/query"):
    ts = str(ts or int(time.time()))
    nonce = nonce or uuid.uuid4().hex
    sig = hmac.new(SECRET, string_to_sign("POST", path, canonical_query([]), ts, nonce, body).encode(),
                   hashlib.sha256).hexdigest()
    return {"X-Gjj-AppKey": "gjj-sandbox-app", "X-Gjj-Timestamp": ts, "X-Gjj-Nonce": nonce,
            "X-Gjj-Signature": sig, "Content-Type": "application/json"}


def post(sandbox, body: bytes, headers):
    return requests.post(sandbox.urls["housing_fund"] + "/gjj/open/v2/account/query", data=body, headers=headers,
                         timeout=2)


def test_signed_request_and_replay(sandbox):
    body = json.dumps({"zjhm": WANG}).encode()
    headers = signed(body)
    first = post(sandbox, body, headers)
    assert first.status_code == 200 and first.json()["data"]["zhye"] == "52340.56"
    replay = post(sandbox, body, headers)
    assert replay.status_code == 401 and replay.json()["code"] == "4012"


def test_stale_timestamp_and_tampered_body(sandbox):
    body = json.dumps({"zjhm": WANG}).encode()
    stale = post(sandbox, body, signed(body, ts=int(time.time()) - 600))
    assert stale.status_code == 401 and stale.json()["code"] == "4011"
    tampered = post(sandbox, json.dumps({"zjhm": "510107199203084525"}).encode(), signed(body))
    assert tampered.status_code == 401 and tampered.json()["code"] == "4010"


def test_an_idempotency_key_reused_for_another_order_is_refused(sandbox):
    url = sandbox.urls["workorders"] + "/gd/api/orders"
    headers = {"X-Auth-Token": "sandbox-12345-key", "Idempotency-Key": uuid.uuid4().hex}
    order = {"topic": "noise", "department": "生态环境局", "content": "噪音", "district": "武侯区",
             "contactPhone": "13880000001"}
    assert requests.post(url, json=order, headers=headers, timeout=2).status_code == 201
    again = requests.post(url, json={**order, "content": "别的事"}, headers=headers, timeout=2)
    assert again.status_code == 422
    assert requests.post(url, json=order, headers={"X-Auth-Token": "sandbox-12345-key"}, timeout=2).status_code == 400


def test_restore_forgets_what_was_filed_and_keeps_numbering_forward(sandbox):
    url = sandbox.urls["workorders"] + "/gd/api/orders"
    auth = {"X-Auth-Token": "sandbox-12345-key"}
    mine = {**auth, "X-Citizen-Id": WANG}

    def orders():  # every page of them
        found, page = [], 1
        while True:
            body = requests.get(url, params={"pageNo": page}, headers=mine, timeout=2).json()
            found += body["orders"]
            if len(found) >= body["total"]:
                return found
            page += 1

    sandbox.restore_data()
    seeded = {o["orderNo"] for o in orders()}
    order = {"topic": "noise", "department": "生态环境局", "content": "噪音", "district": "武侯区", "citizenId": WANG}
    first = requests.post(url, json=order, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, timeout=2)
    first_no = first.json()["order"]["orderNo"]
    assert {o["orderNo"] for o in orders()} == seeded | {first_no}

    sandbox.restore_data()
    assert {o["orderNo"] for o in orders()} == seeded
    again = requests.post(url, json=order, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, timeout=2)
    assert again.json()["order"]["orderNo"] > first_no  # never a number already handed out
