"""Subscribing a citizen to a matter's progress: the one path for the mini-program's
/api/mp/subscriptions and the Official Account's "有进展通知我". The matter must be the
citizen's own (its backend is asked with their ID number, as the chat's ledger does), one we
can watch, and not finished."""
from __future__ import annotations

from adapters import Adapters
from adapters.fanout import collect_affairs
from bot.core import clock
from bot.notifications.tracking import backend_of, current, in_progress, observed_status
from bot.stores.identity import Citizen, IdentityStore
from bot.stores.subscriptions import SubscriptionStore


class CannotSubscribe(Exception):
    """`status` is the HTTP answer, `field` the request field at fault (or None)."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def subscribe(store: SubscriptionStore, identity: IdentityStore, adapters: Adapters, citizen: Citizen,
              user_key: str, ref: str) -> dict:
    """Watch one matter; raises CannotSubscribe, or an adapters error when its backend fails."""
    backend = backend_of(ref)
    if backend is None:
        raise CannotSubscribe(400, "ref must be an application number of a matter we can follow "
                                   "(CJ, QY, GJ, SB, GD or YY and 14 digits)", "ref")
    affair = current(adapters, citizen.id_number, ref)
    if affair is None:
        raise CannotSubscribe(404, "no such matter of yours", "ref")
    if not in_progress(affair):
        raise CannotSubscribe(409, f"this matter is finished ({affair.status}); there is no progress to follow", "ref")
    return store.subscribe(identity.id_hash(citizen.id_number), ref, backend=backend, item=affair.item,
                           status=observed_status(affair, clock.today()), by=user_key)


def subscribe_in_progress(store: SubscriptionStore, identity: IdentityStore, adapters: Adapters,
                          citizen: Citizen, user_key: str, deadline_s: float) -> tuple[list[dict], dict[str, str]]:
    """Watch every unfinished matter of the citizen we can follow; (subscriptions, backends that
    did not answer)."""
    result = collect_affairs(adapters, citizen.id_number, deadline_s)
    cid = identity.id_hash(citizen.id_number)
    made = [store.subscribe(cid, a.ref_no, backend=a.backend, item=a.item,
                            status=observed_status(a, clock.today()), by=user_key)
            for a in result.affairs if in_progress(a) and backend_of(a.ref_no) == a.backend]
    return made, {b: k for b, k in result.missing.items() if k != "business"}


def unsubscribe_all(store: SubscriptionStore, identity: IdentityStore, citizen: Citizen) -> int:
    cid = identity.id_hash(citizen.id_number)
    return sum(store.unsubscribe(cid, ref) for ref in list(store.subscriptions(cid)))
