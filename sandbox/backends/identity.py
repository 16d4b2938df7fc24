"""Identity verification + SMS gateway (JSON, API key in X-Api-Key).

- POST /api/v1/identity/verify {name, idNumber}: MATCH / NOMATCH; an unknown ID
  and a wrong name answer the same NOMATCH, so the API cannot be used to probe IDs.
- POST /api/v1/sms/send {idNumber}: sends a random 6-digit code to the phone on
  file (never to a number the caller supplies); answers the masked phone.
- POST /api/v1/sms/check {idNumber, code, allowTestCode}: a code is valid for
  5 minutes and 5 attempts. In the sandbox, and only when the caller asks with
  allowTestCode, 123456 is accepted for every seeded citizen.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import time

from werkzeug.routing import Rule

from bot.core.privacy import mask_phone
from sandbox import credentials
from sandbox.backends.base import SandboxBackend

log = logging.getLogger("sandbox.identity")

CODE_TTL_S = 300
MAX_ATTEMPTS = 5
SANDBOX_TEST_CODE = "123456"


class IdentityBackend(SandboxBackend):
    name = "identity"
    ping_path = "/api/v1/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._codes: dict[str, dict] = {}  # id_number -> {code, expires, attempts}

    def rules(self):
        return [
            Rule("/api/v1/identity/verify", endpoint="verify", methods=["POST"]),
            Rule("/api/v1/sms/send", endpoint="send_code", methods=["POST"]),
            Rule("/api/v1/sms/check", endpoint="check_code", methods=["POST"]),
        ]

    def authenticate(self, request, endpoint):
        if hmac.compare_digest(request.headers.get("X-Api-Key", ""), credentials.IDENTITY_API_KEY):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"code": 401, "message": "invalid api key"}, 401)

    def verify(self, request):
        body = self.body_json(request)
        person = self.world.citizen(body.get("idNumber"))
        if person and person["name"] == str(body.get("name", "")).strip():
            return self.json({"code": 0, "data": {"result": "MATCH", "phoneMasked": mask_phone(person["phone"])}})
        return self.json({"code": 0, "data": {"result": "NOMATCH"}})

    def send_code(self, request):
        body = self.body_json(request)
        person = self.world.citizen(body.get("idNumber"))
        if not person:
            return self.json({"code": 404, "message": "no phone on file"}, 404)
        code = f"{secrets.randbelow(10**6):06d}"
        with self.lock:
            self._codes[person["id_number"]] = {"code": code, "expires": time.time() + CODE_TTL_S, "attempts": 0}
        # A real gateway would text it; the sandbox only notes that it did.
        log.info("SMS verification code sent to %s", mask_phone(person["phone"]))
        return self.json({"code": 0, "data": {"phoneMasked": mask_phone(person["phone"]), "ttl": CODE_TTL_S}})

    def check_code(self, request):
        body = self.body_json(request)
        person = self.world.citizen(body.get("idNumber"))
        code = str(body.get("code", ""))
        if not person:
            return self.json({"code": 0, "data": {"valid": False}})
        if body.get("allowTestCode") is True and code == SANDBOX_TEST_CODE:
            return self.json({"code": 0, "data": {"valid": True}})
        with self.lock:
            sent = self._codes.get(person["id_number"])
            if not sent or sent["expires"] < time.time() or sent["attempts"] >= MAX_ATTEMPTS:
                return self.json({"code": 0, "data": {"valid": False}})
            sent["attempts"] += 1
            valid = hmac.compare_digest(sent["code"], code)
            if valid:
                del self._codes[person["id_number"]]
        return self.json({"code": 0, "data": {"valid": valid}})
