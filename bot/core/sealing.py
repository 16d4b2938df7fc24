"""Sealing what the channel keeps in Redis: citizens' words and our answers to them.

Parked answers, "更多" pages, cached replies, deferred turns and job payloads may
hold an ID number or a phone number, so they are stored sealed with AES-GCM under
`security.data_key`, the way bot.stores.sessions.SessionStore seals a conversation:
"v1:" + base64(nonce + ciphertext). The associated data names where the value
lives (its Redis key, or the job), so a value copied elsewhere does not open.
"""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"


class Sealer:
    def __init__(self, data_key: bytes):
        self._aead = AESGCM(data_key)

    def seal(self, plain: str, where: str) -> str:
        nonce = os.urandom(12)
        return PREFIX + base64.b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), where.encode())).decode()

    def open(self, stored: str | None, where: str) -> str | None:
        """The plain text; None when it does not open (another key, tampered, moved)."""
        if stored is None:
            return None
        if not stored.startswith(PREFIX):
            return stored      # written before values were sealed (as SessionStore reads them)
        try:
            blob = base64.b64decode(stored[len(PREFIX):], validate=True)
            return self._aead.decrypt(blob[:12], blob[12:], where.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            return None
