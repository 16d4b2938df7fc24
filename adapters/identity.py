"""Identity verification and the SMS gateway (身份核验). Holds no citizen matters."""
from __future__ import annotations

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import json_body
from adapters.records import CodeSent, IdentityMatch
from bot.core.config import Section
from bot.core.errors import ConfigError


class IdentityAdapter(BackendAdapter):
    name = "identity"
    domain = None
    health_path = "/api/v1/ping"
    SETTING_KEYS = ("api_key", "sandbox_sms_shortcut")

    def _configure(self, cfg: Section):
        # The sandbox gateway accepts 123456 for every seeded citizen when asked
        # to; production must never ask (config validation refuses to start).
        self.sandbox_shortcut = cfg.bool("sandbox_sms_shortcut", False)
        if self.sandbox_shortcut and self.profile == "production":
            raise ConfigError(f"{self.path}.sandbox_sms_shortcut", "must be false in the production profile")
        return HeaderKeyAuth("X-Api-Key", cfg.str("api_key"))

    def _data(self, response) -> dict:
        body = json_body(response)
        if body.get("code") != 0:
            raise BadResponse(self.name, f"unexpected code {body.get('code')!r}")
        return body["data"]

    @personal_read
    def verify(self, name: str, id_number: str) -> IdentityMatch:
        """Do this name and ID number belong together? A wrong name and an unknown
        ID give the same IdentityMatch(matched=False, phone_masked=None)."""
        data = self._request("POST", "/api/v1/identity/verify", op="verify", idempotent=True,
                             json={"name": name.strip(), "idNumber": self._id(id_number)}, parse=self._data)
        if data["result"] == "MATCH":
            return IdentityMatch(True, str(data["phoneMasked"]))
        if data["result"] == "NOMATCH":
            return IdentityMatch(False, None)
        raise ValueError("unknown result")

    def send_code(self, id_number: str) -> CodeSent:
        """Text a 6-digit code to the phone on file for this ID (never another
        number). NotFound when the ID has no phone on file. Not retried on 5xx:
        a second attempt could send a second SMS."""
        data = self._request("POST", "/api/v1/sms/send", op="send_code",
                             json={"idNumber": self._id(id_number)}, parse=self._data)
        return CodeSent(str(data["phoneMasked"]), int(data["ttl"]))

    def check_code(self, id_number: str, code: str) -> bool:
        """True when `code` is the one sent (valid 5 minutes, 5 attempts). With
        sandbox_sms_shortcut on (sandbox profile only), 123456 is also accepted."""
        data = self._request("POST", "/api/v1/sms/check", op="check_code",
                             json={"idNumber": self._id(id_number), "code": str(code).strip(),
                                   "allowTestCode": self.sandbox_shortcut},
                             parse=self._data)
        valid = data["valid"]
        if not isinstance(valid, bool):
            raise TypeError("valid is not a boolean")
        return valid
