"""Builds every long-lived part of the assistant once, for the web app and the workers."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from adapters import build_adapters
from bot.binding_guard import BindingGuard
from bot.callbacks import CallbackTasks
from bot.dispatcher import Dispatcher, ErrorReplies, MainMenu
from bot.handoff import HandoffDesk, OfficeHours
from bot.identity_store import IdentityStore
from bot.logs import configure_logging
from bot.nlu_client import NluClient
from bot.outbox import Outbox
from bot.ratings import RatingBook
from bot.redis_conn import RedisHub
from bot.service_settings import load_service_settings
from bot.sessions import SessionStore, UserLock
from bot.settings import Settings
from handlers.base import Services
from handlers.common import BACKEND_NAMES
from handlers.registry import MENU_ORDER, build_handlers
from handlers.service_catalogue import load_catalogue

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    hub: RedisHub
    nlu: NluClient
    adapters: object
    identity: IdentityStore
    sessions: SessionStore
    dispatcher: Dispatcher
    services: Services


def build_runtime(settings: Settings) -> Runtime:
    configure_logging(settings.app.log_level)
    hub = RedisHub(settings.redis.url, settings.redis.key_prefix)
    adapters = build_adapters(settings.backends, hub, settings.profile)
    identity = IdentityStore(hub, settings.security.data_key, settings.security.hash_pepper)
    sessions = SessionStore(hub, settings.conversation.ttl_s, settings.security.data_key)
    lock = UserLock(hub, settings.conversation.lock_ttl_s, settings.conversation.lock_wait_s)
    nlu = NluClient(settings.nlu, hub)
    handlers = build_handlers()
    menu = MainMenu(handlers, MENU_ORDER)
    services = Services(settings=settings, adapters=adapters, identity=identity,
                        extras={"menu": menu, "hub": hub, **citizen_services(settings, hub)})
    dispatcher = Dispatcher(nlu=nlu, sessions=sessions, lock=lock, identity=identity, handlers=handlers,
                            services=services, clarify_below=settings.nlu.clarify_below,
                            error_replies=ErrorReplies(BACKEND_NAMES), menu=menu,
                            page_size=services.extras["service_settings"].ledger.page_size)
    return Runtime(settings, hub, nlu, adapters, identity, sessions, dispatcher, services)


def citizen_services(settings: Settings, hub: RedisHub) -> dict:
    """The stores and settings the handlers use besides the adapters (Services.extras).
    Checked here, at start-up: a bad setting or catalogue file stops the start."""
    service_settings = load_service_settings(settings.extra)
    outbox = Outbox(hub, settings.security.data_key)
    extras = {
        "service_settings": service_settings,
        "catalogue": load_catalogue(),
        "office_hours": OfficeHours(service_settings.office_hours),   # tests swap in one with a fixed clock
        "outbox": outbox,   # channels that can push register a sender here (outbox.register)
        "handoff": HandoffDesk(hub, service_settings.handoff, outbox),
        "callbacks": CallbackTasks(hub),
        "ratings": RatingBook(hub),
        "binding_guard": BindingGuard(hub, service_settings.binding),
    }
    extras["forget_hooks"] = [extras[k].forget_user for k in ("handoff", "outbox", "callbacks", "binding_guard")]
    return extras
