"""Which citizen a channel user has proven to be.

The binding survives restarts (Redis, no expiry). The ID number is stored
encrypted with AES-GCM under the data key from the environment, and found by a
keyed hash, so a copy of Redis alone reveals no ID number.
"""
from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from typing import Mapping

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.core.privacy import keyed_hash, mask_id_number, pseudonym
from bot.core.redis_hub import RedisHub


@dataclass(frozen=True)
class Citizen:
    id_number: str           # raw: only ever passed to adapters, never shown or logged
    name: str
    phone_masked: str
    bound_at: float

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def surname_masked(self) -> str:
        return self.name[:1] + "*" * max(len(self.name) - 1, 1)


class IdentityStore:
    def __init__(self, hub: RedisHub, data_key: bytes, pepper: bytes):
        self.hub = hub
        self._aead = AESGCM(data_key)
        self._pepper = pepper

    def id_hash(self, id_number: str) -> str:
        return keyed_hash(self._pepper, id_number.upper())

    def _encrypt(self, plain: str, aad: bytes) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), aad)).decode()

    def _decrypt(self, blob: str, aad: bytes) -> str:
        raw = base64.b64decode(blob)
        return self._aead.decrypt(raw[:12], raw[12:], aad).decode()

    def bind(self, user_key: str, id_number: str, name: str, phone_masked: str) -> Citizen:
        id_number = id_number.upper()
        aad = user_key.encode()
        doc = {
            "id_enc": self._encrypt(id_number, aad),
            "name_enc": self._encrypt(name, aad),
            "id_hash": self.id_hash(id_number),
            "phone_masked": phone_masked,
            "bound_at": time.time(),
        }
        pipe = self.hub.text.pipeline()
        pipe.set(self.hub.key("identity", user_key), json.dumps(doc))
        pipe.sadd(self.hub.key("identity-by-id", doc["id_hash"]), user_key)
        pipe.execute()
        return Citizen(id_number, name, phone_masked, doc["bound_at"])

    def read_keys(self, user_key: str) -> list[str]:
        """What get() reads, so that a turn can fetch it with its other reads at once."""
        return [self.hub.key("identity", user_key)]

    def get(self, user_key: str, prefetched: Mapping[str, str | None] | None = None) -> Citizen | None:
        raw = self.hub.get(self.hub.key("identity", user_key), prefetched)
        if not raw:
            return None
        doc = json.loads(raw)
        aad = user_key.encode()
        return Citizen(self._decrypt(doc["id_enc"], aad), self._decrypt(doc["name_enc"], aad),
                       doc["phone_masked"], doc["bound_at"])

    def unbind(self, user_key: str) -> bool:
        raw = self.hub.text.get(self.hub.key("identity", user_key))
        if not raw:
            return False
        doc = json.loads(raw)
        pipe = self.hub.text.pipeline()
        pipe.delete(self.hub.key("identity", user_key))
        pipe.srem(self.hub.key("identity-by-id", doc["id_hash"]), user_key)
        pipe.execute()
        return True

    def users_of(self, id_number: str) -> set[str]:
        return self.users_of_hash(self.id_hash(id_number))

    def users_of_hash(self, id_hash: str) -> set[str]:
        """The channel users bound to the citizen whose keyed hash is `id_hash` (notifications
        keep only the hash)."""
        return set(self.hub.text.smembers(self.hub.key("identity-by-id", id_hash)))

    def citizen_of_hash(self, id_hash: str) -> Citizen | None:
        """The citizen whose keyed hash is `id_hash`, read from any channel user still bound to them
        (None: none is, the citizen unbound everywhere). A partner's consent finds its citizen so."""
        for user_key in sorted(self.users_of_hash(id_hash)):
            citizen = self.get(user_key)
            if citizen is not None:
                return citizen
        return None

    def citizen_keys(self, citizen: Citizen) -> tuple[str, str]:
        """How a consent names the citizen: (pseudonym("id_number", …) to list and audit, this store's
        own hash to find their binding later) — never the number."""
        return pseudonym("id_number", citizen.id_number), self.id_hash(citizen.id_number)
