"""The watcher: notices that a watched matter moved on, and tells the citizen once.

One cycle (`run_once`):

1. poll: the matters due (bot/stores/subscriptions.py `notify:due`), at most as many per backend
   as its budget allows: `backend_share` of the rate limit the backend states, as a token bucket
   kept across cycles. Each poll is one backend call with the citizen's ID number, read from a
   channel user still bound to them (none bound: everything of theirs is forgotten). A 429
   (RateLimited) pauses that backend for its Retry-After. A new status goes into the ledger
   in the same transaction that records it (record_change): from then on it cannot be lost.
2. tell: each citizen's waiting changes, oldest first, on the first channel that may carry it:
   - the mini-program: a bound mini-program user with a one-time grant of the progress template
     (the grant is taken and noted on the change in one script; a restarted watcher finds it
     there and sends with it, never taking a second);
   - the Official Account: a customer-service message, only inside the window the citizen's
     own last action opened (CustomerService counts it: 48 h after a message);
   - else the change waits in the ledger, and is tried again every `retry_s` (a new grant or a
     message from the citizen lets it go at the next try).
   A sent change's idempotency key (`<ref>|<status>`) goes into the sent set with the removal
   from the ledger, in one transaction: it is never told twice, nor noticed again. WeChat not
   answering leaves it waiting (the grant given back). The one gap left: a watcher killed after
   WeChat took the message and before that transaction sends it again on restart (WeChat's
   subscribe-send takes no idempotency key); a read timeout (the message may have been shown)
   counts as sent, as the customer-service client does.

Any number of watchers may run: claim_due hands each due matter to one of them.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from adapters import Adapters
from adapters.errors import BackendError, RateLimited
from bot.core import clock, metrics
from bot.notifications.settings import NotificationSettings
from bot.notifications.tracking import current, observed_status
from bot.stores.identity import Citizen, IdentityStore
from bot.stores.subscriptions import Change, SubscriptionStore
from bot.wechat_api import Outcome, SubscriptionRefused, WeChatClient, WeChatError, WeChatUnavailable

log = logging.getLogger(__name__)

MP = "miniprogram"
OA = "wechat_oa"


@dataclass
class CycleStats:
    polled: int = 0
    backend_calls: int = 0
    changes: int = 0
    sent_mp: int = 0
    sent_oa: int = 0
    waiting: int = 0
    rate_limited: int = 0
    errors: int = 0


@dataclass
class _Bucket:
    rate: float
    tokens: float
    at: float = field(default_factory=time.monotonic)

    def refill(self, now: float) -> None:
        if now > self.at:
            self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.at) * self.rate)
            self.at = now


class Watcher:
    def __init__(self, *, store: SubscriptionStore, identity: IdentityStore, adapters: Adapters,
                 wechat: WeChatClient, settings: NotificationSettings, mp_notices=None,
                 sleep: Callable[[float], None] = time.sleep):
        """`wechat`: the Official Account's client (customer-service messages); `mp_notices`: the
        mini-program's own client's notices (its subscribe messages go with its AppID's token);
        None: the Official Account's client's, for a unit test of one class."""
        self.store, self.identity, self.adapters, self.wechat = store, identity, adapters, wechat
        self.mp_notices = mp_notices if mp_notices is not None else wechat.notices
        self.settings = settings
        self.sleep = sleep
        self._buckets: dict[str, _Bucket] = {}
        self._paused_until: dict[str, float] = {}
        self.totals = CycleStats()

    # -- the loop ----------------------------------------------------------------------------
    def run_forever(self, should_stop: Callable[[], bool]) -> None:
        while not should_stop():
            started = time.monotonic()
            try:
                self.run_once()
            except Exception:   # Redis away, a bug in one cycle: the watcher itself goes on
                log.exception("watcher cycle failed; trying again next tick")
            self.sleep(max(0.0, self.settings.tick_s - (time.monotonic() - started)))

    def run_once(self) -> CycleStats:
        stats = CycleStats()
        noticed = self.poll(stats)
        if noticed and self.settings.hold_before_send_s:
            log.warning("holding %.1f s between noticing and sending (notifications.hold_before_send_s)",
                        self.settings.hold_before_send_s)
            self.sleep(self.settings.hold_before_send_s)
        self.tell(stats)
        for name in stats.__dataclass_fields__:
            setattr(self.totals, name, getattr(self.totals, name) + getattr(stats, name))
        return stats

    # -- 1. poll -----------------------------------------------------------------------------
    def _bucket(self, backend: str) -> _Bucket:
        if backend not in self._buckets:
            rate = self.settings.calls_per_s(backend)
            self._buckets[backend] = _Bucket(rate, max(rate, 1.0))
        return self._buckets[backend]

    def poll(self, stats: CycleStats) -> int:
        now, mono = time.time(), time.monotonic()
        budget = sum(max(1, int(b.tokens)) for b in self._buckets.values()) or 100
        claimed = self.store.claim_due(now, max(budget, 100), self.settings.poll_every_s)
        noticed = 0
        for cid, ref in claimed:
            sub = self.store.subscription(cid, ref)
            if sub is None:
                continue
            backend = sub["backend"]
            bucket = self._bucket(backend)
            bucket.refill(mono)
            if self._paused_until.get(backend, 0) > now or bucket.tokens < 1:
                # over this backend's budget this cycle: due again at once, for a later cycle
                self.store.reschedule(cid, ref, max(now, self._paused_until.get(backend, 0)))
                continue
            bucket.tokens -= 1
            stats.polled += 1
            noticed += self._poll_one(cid, ref, sub, stats)
        return noticed

    def _poll_one(self, cid: str, ref: str, sub: dict, stats: CycleStats) -> int:
        citizen = self._citizen(cid)
        if citizen is None:
            return 0
        stats.backend_calls += 1
        try:
            affair = current(self.adapters, citizen.id_number, ref)
        except RateLimited as e:
            metrics.WATCHER_POLLS.labels(sub["backend"], "rate_limited").inc()
            stats.rate_limited += 1
            wait = e.retry_after_s or self.settings.retry_s
            self._paused_until[sub["backend"]] = time.time() + wait
            self.store.reschedule(cid, ref, time.time() + wait)
            log.info("watcher: %s is busy (429); paused %.0f s", sub["backend"], wait)
            return 0
        except BackendError as e:
            metrics.WATCHER_POLLS.labels(sub["backend"], "failed").inc()
            stats.errors += 1
            log.info("watcher: %s did not answer (%s); next poll as scheduled", sub["backend"], type(e).__name__)
            return 0
        metrics.WATCHER_POLLS.labels(sub["backend"], "ok").inc()
        if affair is None:
            return 0
        status = observed_status(affair, clock.today())
        if status == sub["status"]:
            return 0
        change = Change(ref=ref, backend=sub["backend"], item=affair.item, before=sub["status"], status=status,
                        next_step=affair.next_step, noticed_at=time.time())
        if self.store.record_change(cid, change, done=affair.done):
            stats.changes += 1
            metrics.NOTIFICATIONS.labels("noticed").inc()
            log.info("watcher: %s moved on (%s -> %s)", ref, change.before, change.status)
            return 1
        return 0

    def _citizen(self, cid: str) -> Citizen | None:
        """The citizen behind `cid`, through any channel user still bound to them; None (and
        everything of theirs forgotten) when none is."""
        for user_key in sorted(self.identity.users_of_hash(cid)):
            citizen = self.identity.get(user_key)
            if citizen is not None:
                return citizen
        self.store.forget_citizen(cid)
        return None

    # -- 2. tell -----------------------------------------------------------------------------
    def tell(self, stats: CycleStats, batch: int = 100, max_batches: int = 100) -> None:
        """Every citizen whose changes are due, a batch at a time: each one told is taken out of
        the index, or moved to its next try (after `now`), so the batches come to an end."""
        now = time.time()
        for _ in range(max_batches):
            due = self.store.citizens_with_pending(now, batch)
            for cid in due:
                self.tell_citizen(cid, stats)
            if len(due) < batch:
                return

    def tell_citizen(self, cid: str, stats: CycleStats) -> None:
        users = sorted(self.identity.users_of_hash(cid))
        if not users:
            self.store.forget_citizen(cid)      # unbound everywhere: nothing goes out
            return
        subscribed = self.store.subscriptions(cid)
        retry_at = time.time() + self.settings.retry_s
        for change in self.store.pending(cid):
            if change.ref not in subscribed or self.store.was_sent(cid, change):
                self.store.drop(cid, change)     # unsubscribed meanwhile, or already told
                continue
            try:
                sent = self._send(cid, change, users, stats)
            except WeChatError as e:
                log.warning("watcher: WeChat did not take the message (%s); it waits", e)
                stats.errors += 1
                break                            # WeChat is away: the rest wait too, in order
            if not sent:
                stats.waiting += 1
                metrics.NOTIFICATIONS.labels("waiting").inc()
        self.store.retry_pending_at(cid, retry_at)

    def _send(self, cid: str, change: Change, users: list[str], stats: CycleStats) -> bool:
        template = self.settings.mp_template_id
        # A grant this change took before a restart is used first, if its user is still bound.
        mp_users = sorted((u for u in users if u.startswith(MP + ":")), key=lambda u: u != change.grant)
        for user_key in mp_users:
            taken = self.store.take_grant(cid, change, user_key, template)
            if taken == -1:
                return True                      # told meanwhile (another watcher)
            if taken == 0:
                continue
            try:
                self.mp_notices.send_mp_subscribe(
                    user_key.partition(":")[2], template, self._template_data(change),
                    page=f"{self.settings.mp_page}?ref={change.ref}", state=self.settings.mp_state)
            except SubscriptionRefused:
                self.store.spend_grants(user_key, template)       # WeChat says none left
                self.store.release_grant(cid, change, user_key, template, refund=False)
                continue
            except WeChatUnavailable as e:
                if e.maybe_delivered:
                    log.warning("watcher: subscribe send %s; counted as sent, not repeated", e)
                    self.store.mark_sent(cid, change)
                    stats.sent_mp += 1
                    return True
                self.store.release_grant(cid, change, user_key, template, refund=True)
                raise
            except WeChatError:
                self.store.release_grant(cid, change, user_key, template, refund=True)
                raise
            self.store.mark_sent(cid, change)
            stats.sent_mp += 1
            metrics.NOTIFICATIONS.labels("sent_miniprogram").inc()
            return True
        for user_key in users:
            if not user_key.startswith(OA + ":"):
                continue
            # Several watchers may tell the same citizen at once (WATCHERS=n): only one sends.
            if not self.store.claim_send(cid, change, ttl_s=max(self.settings.retry_s, 30)):
                return True                      # another watcher is sending it right now
            try:
                outcome = self.wechat.customer_service.send_text(user_key.partition(":")[2], self._text(change))
            except Exception:
                self.store.release_send(cid, change)
                raise
            if outcome in (Outcome.SENT, Outcome.UNCERTAIN):
                self.store.mark_sent(cid, change)
                stats.sent_oa += 1
                metrics.NOTIFICATIONS.labels("sent_official_account").inc()
                return True
            self.store.release_send(cid, change)
        return False

    @staticmethod
    def _template_data(change: Change) -> dict[str, str]:
        # The progress template's keywords (thing: at most 20 characters).
        return {"character_string1": change.ref, "thing2": change.item[:20], "thing3": change.status[:20],
                "time4": time.strftime("%Y-%m-%d %H:%M", time.localtime(change.noticed_at)),
                "thing5": (change.next_step or "点击查看详情")[:20]}

    @staticmethod
    def _text(change: Change) -> str:
        hint = f"\n{change.next_step}" if change.next_step else ""
        return (f"【办件进度】您的{change.item}（{change.ref}）有新进展：{change.before} → {change.status}。{hint}\n"
                "回复“取消进展通知”可不再接收。")
