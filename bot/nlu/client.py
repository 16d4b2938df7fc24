"""Client of the Rasa NLU server (`rasa run --enable-api`, POST /model/parse).

Texts are normalised first (bot.nlu.normalise), their identifiers swapped for
stand-ins (bot.nlu.identifiers: Rasa never sees an ID or phone number), and
parses are cached in Redis keyed by the model's fingerprint and that text, so a
new model never serves an old model's answers. Several Rasa servers may be
given (`nlu.url` as a comma-separated list): one Rasa process parses one text
at a time, so more processes mean more parses per second; calls rotate over
them and skip one that does not answer. When none can be reached the caller
gets NluUnavailable and degrades to the numbered menu.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import redis
import requests

from bot.core import metrics
from bot.nlu.identifiers import mask_identifiers
from bot.nlu.normalise import normalise_with_offsets, to_citizen_span
from bot.core.redis_hub import RedisHub
from bot.core.settings import NluSettings

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


class NluUnavailable(Exception):
    """The NLU server did not answer (down, timeout, or a malformed answer)."""


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Parse:
    text: str                                   # the normalised text Rasa saw
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[Entity, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    said: str = ""                              # the citizen's text: entity offsets refer to it

    def entity(self, name: str) -> str | None:
        for e in self.entities:
            if e.entity == name:
                return e.value
        return None

    def entity_values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.entities:
            out.setdefault(e.entity, e.value)
        return out

    @classmethod
    def from_rasa(cls, text: str, body: dict) -> "Parse":
        try:
            intent = body.get("intent") or {}
            ranking = tuple((r["name"], float(r["confidence"])) for r in body.get("intent_ranking") or [])
            entities = tuple(
                Entity(e["entity"], str(e.get("value", "")), e.get("start"), e.get("end"))
                for e in body.get("entities") or []
            )
            return cls(text, intent.get("name") or FALLBACK_INTENT, float(intent.get("confidence") or 0.0),
                       ranking, entities, body)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise NluUnavailable(f"malformed parse from NLU server: {e}") from e

    def with_intent_of(self, other: "Parse") -> "Parse":
        """This parse (its entities, its text) with the intent another text was read as."""
        return replace(self, intent=other.intent, confidence=other.confidence, ranking=other.ranking)

    def in_citizen_text(self, said: str, where: list[int]) -> "Parse":
        """This parse with every entity span moved from the normalised text to the citizen's.
        `raw` stays Rasa's answer about the normalised `text` (its offsets agree with that text)."""
        def move(e: Entity) -> Entity:
            if isinstance(e.start, int) and isinstance(e.end, int):
                start, end = to_citizen_span(where, said, e.start, e.end)
                return replace(e, start=start, end=end)
            return e
        return replace(self, entities=tuple(move(e) for e in self.entities), said=said)


class NluClient:
    FINGERPRINT_TTL_S = 30.0

    def __init__(self, settings: NluSettings, hub: RedisHub):
        self.settings = settings
        self.hub = hub
        self.urls = [u.strip().rstrip("/") for u in settings.url.split(",") if u.strip()]
        self._next_url = itertools.cycle(range(len(self.urls)))
        self._http = requests.Session()
        # No environment proxies or ~/.netrc, as for the backends (adapters/base.py): requests would
        # otherwise read the whole environment again on every parse (~1 ms of CPU each).
        self._http.trust_env = False
        # gunicorn threads share this session: one pooled connection per thread and server.
        self._http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32))
        self._fp_lock = threading.Lock()
        self._fingerprint: str | None = None
        self._fp_checked = 0.0

    # -- server status ---------------------------------------------------------------------
    def status(self) -> dict:
        """/status of the first server that answers."""
        error: Exception | None = None
        for url in self.urls:
            try:
                r = self._http.get(f"{url}/status", timeout=(0.5, self.settings.timeout_s))
                r.raise_for_status()
                return r.json()
            except (requests.RequestException, ValueError) as e:
                error = e
        raise NluUnavailable(f"NLU server status: {type(error).__name__}") from error

    def fingerprint(self) -> str:
        """The loaded model's identity (its file name carries the training fingerprint)."""
        now = time.monotonic()
        if self._fingerprint and now - self._fp_checked < self.FINGERPRINT_TTL_S:
            return self._fingerprint
        with self._fp_lock:
            if self._fingerprint and now - self._fp_checked < self.FINGERPRINT_TTL_S:
                return self._fingerprint
            st = self.status()
            model = st.get("model_file") or json.dumps(st.get("fingerprint"), sort_keys=True)
            self._fingerprint = hashlib.sha1(str(model).encode()).hexdigest()[:16]
            self._fp_checked = now
            return self._fingerprint

    def ready(self) -> bool:
        try:
            status = self.status()
            return bool(status.get("model_file") or status.get("fingerprint"))
        except NluUnavailable:
            return False

    # -- parsing ----------------------------------------------------------------------------
    def parse(self, text: str) -> Parse:
        return self.parse_many([text])[0]

    def parse_many(self, texts: list[str]) -> list[Parse]:
        """parse() of each text, with the cache read in one round trip to Redis and written in one
        (the hotline parses a call's turns at once: each round trip costs the intake CPU too)."""
        started = time.perf_counter()
        try:
            prepared = []
            for text in texts:
                norm, where = normalise_with_offsets(text)
                prepared.append((text, norm, where, mask_identifiers(norm)))
            fp = self.fingerprint()
            keys = [self._cache_key(fp, masked) for _, _, _, masked in prepared]
            cached = self._cache_get_many(keys)
            shared = time.perf_counter() - started      # the cache's round trip, shared by the texts
            out, fresh = [], {}
            for (text, norm, where, masked), key, body in zip(prepared, keys, cached):
                own = time.perf_counter()
                body = body if body is not None else fresh.get(key)
                metrics.NLU_CACHE.labels("miss" if body is None else "hit").inc()
                if body is None:
                    body = self._post_parse(masked.text)
                    parsed = self._restore(norm, masked, body)
                    fresh[key] = body                       # after _restore: a malformed answer is never cached
                else:
                    parsed = self._restore(norm, masked, body)
                out.append(parsed.in_citizen_text(text, where))
                # one observation per text: its own time and its share of the cache's round trip
                metrics.NLU_PARSE_SECONDS.observe(time.perf_counter() - own + shared / len(texts))
            self._cache_set_many(fresh)
            return out
        except Exception:
            metrics.NLU_PARSE_SECONDS.observe(time.perf_counter() - started)   # the failed call, once
            raise

    def _cache_key(self, fp: str, masked) -> str:
        return self.hub.key("nlu", fp, hashlib.sha1(masked.text.encode("utf-8")).hexdigest())

    @staticmethod
    def _restore(norm: str, masked, body: dict) -> Parse:
        try:
            return Parse.from_rasa(norm, masked.restore(body))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise NluUnavailable(f"malformed parse from NLU server: {type(e).__name__}") from e

    def _post_parse(self, text: str) -> dict:
        start = next(self._next_url)
        for i in range(len(self.urls)):
            url = self.urls[(start + i) % len(self.urls)]
            try:
                r = self._http.post(f"{url}/model/parse", json={"text": text},
                                    timeout=(0.5, self.settings.timeout_s))
                break
            except requests.Timeout as e:
                # A slow server is busy, not gone: trying another would double the load.
                metrics.NLU_ERRORS.labels("timeout").inc()
                raise NluUnavailable("NLU server timed out") from e
            except requests.RequestException as e:
                metrics.NLU_ERRORS.labels("unreachable").inc()
                self._fingerprint = None  # a restarted server may bring another model
                if i == len(self.urls) - 1:
                    raise NluUnavailable(f"NLU server unreachable: {type(e).__name__}") from e
        if r.status_code != 200:
            metrics.NLU_ERRORS.labels(f"http_{r.status_code}").inc()
            raise NluUnavailable(f"NLU server answered HTTP {r.status_code}")
        try:
            body = r.json()
        except ValueError as e:
            metrics.NLU_ERRORS.labels("malformed").inc()
            raise NluUnavailable("NLU server answered something that is not JSON") from e
        if not isinstance(body, dict):
            raise NluUnavailable("NLU server answered an unexpected JSON shape")
        return body

    # The cache is an optimisation: Redis trouble must not stop parsing.
    def _cache_get_many(self, keys: list[str]) -> list[dict | None]:
        if not keys:
            return []
        try:
            raw = self.hub.text.mget(keys)
        except redis.RedisError:
            return [None] * len(keys)
        out = []
        for r in raw:
            try:
                out.append(json.loads(r) if r else None)
            except ValueError:
                out.append(None)
        return out

    def _cache_set_many(self, bodies: dict[str, dict]) -> None:
        if self.settings.cache_ttl_s <= 0 or not bodies:
            return
        try:
            with self.hub.text.pipeline(transaction=False) as pipe:
                for key, body in bodies.items():
                    pipe.set(key, json.dumps(body, ensure_ascii=False), ex=self.settings.cache_ttl_s)
                pipe.execute()
        except redis.RedisError:
            log.warning("NLU cache write failed", exc_info=False)
