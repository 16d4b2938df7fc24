"""The composition root: builds every long-lived part of the assistant once, for the web app,
the workers and the scripts, and is the one place that wires handlers and adapters into the rest.

    settings ─► Redis hub, adapters, stores, NLU client ─► Services (what handlers get)
             ─► handlers (handlers.registry) ─► Dispatcher (one turn)
             ─► channels, each given the dispatcher's callables and its own settings:
                wechat_oa (webhook + late answers), miniprogram, hotline
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from adapters import Adapters, build_adapters
from bot.core.privacy import configure_pseudonyms
from bot.channels.hotline import HotlineIngestor
from bot.channels.hotline import call_model
from bot.channels.miniprogram import MiniProgram
from bot.channels.miniprogram_api import ChatRules, MiniProgramApi
from bot.channels.partner_api import PartnerApi
from bot.channels.wechat_oa import CHANNEL as WECHAT_OA, WeChatOA, build_wechat_oa
from bot.city.office_hours import OfficeHours
from bot.city.service_catalogue import load_catalogue
from bot.city.service_settings import load_service_settings
from bot.conversation.contract import Services
from bot.conversation.dispatcher import Dispatcher
from bot.conversation.error_replies import ErrorReplies
from bot.conversation.menu import MainMenu
from bot.core import access, metrics
from bot.core.clock import CLOCK
from bot.core.config import Section
from bot.core.errors import ConfigError
from bot.core.logs import configure_logging
from bot.core.redis_hub import RedisHub
from bot.core.settings import Settings
from bot.crosscheck import CrosscheckSettings, RunReport, run_checks
from bot.nlu.client import NluClient
from bot.records import Records, open_database
from bot.stores.binding_guard import BindingGuard
from bot.stores.callbacks import CallbackTasks
from bot.stores.handoff import HandoffDesk
from bot.stores.identity import IdentityStore
from bot.stores.outbox import Outbox
from bot.stores.ratings import RatingBook
from bot.stores.sessions import SessionStore, UserLock
from bot.stores.subscriptions import SubscriptionStore
from bot.stores.turn_stats import TurnStats
from bot.wechat_api import MiniProgramClient, WeChatClient, build_client, build_mp_client
from handlers.common import BACKEND_NAMES
from handlers.ledger_filters import parse_filter
from handlers.registry import MENU_INTENT, MENU_ORDER, build_handlers

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    hub: RedisHub
    nlu: NluClient
    adapters: Adapters
    identity: IdentityStore
    sessions: SessionStore
    dispatcher: Dispatcher
    services: Services
    records: Records | None = None

    # The channels are built on first use: the web app and the worker need them (app.create_app
    # builds them before any request), the scripts do not.
    @cached_property
    def wechat(self) -> WeChatClient:
        """The WeChat API client of this process (the `wechat:` settings are read and checked here)."""
        return build_client(self.settings, self.hub)

    @cached_property
    def wechat_oa(self) -> WeChatOA:
        """The Official Account channel: the webhook and its late answers. Also the Outbox's
        sender for WeChat citizens: an agent's message goes out as a customer-service message."""
        if self.wechat.settings.rescue_after_s <= self.settings.conversation.lock_ttl_s:
            # Sooner, a worker could re-run a turn its web process is still running.
            raise ConfigError("wechat.rescue_after_s", "must be longer than conversation.lock_ttl_s")
        channel = build_wechat_oa(handle=self.dispatcher.handle, forget=self.dispatcher.forget_user,
                                  intents=self.dispatcher.intents, client=self.wechat, hub=self.hub,
                                  data_key=self.settings.security.data_key)
        if self.services is not None:
            self.services.outbox.register(WECHAT_OA, channel.late.send_outbox)
        return channel

    @cached_property
    def wechat_mp(self) -> MiniProgramClient:
        """The mini-program's own WeChat account, with its own AppID and secret (the `miniprogram` settings)."""
        return build_mp_client(self.settings, self.hub, self.wechat.settings)

    @cached_property
    def miniprogram(self) -> MiniProgram:
        offered = (lambda key: self.sessions.load(key).choices) if self.sessions is not None else None
        return MiniProgram(handle=self.dispatcher.handle, login=self.wechat_mp.login, hub=self.hub, offered=offered)

    @cached_property
    def mp_api(self) -> MiniProgramApi:
        """The mini-program's service API, on the chat's own handlers and stores."""
        handlers = self.dispatcher.handlers
        slots = {s.name: s.validate for h in (handlers["bind_identity"], handlers["file_complaint"]) for s in h.slots}
        rules = ChatRules(ledger_filter=parse_filter, bookable_day=handlers["book_appointment"].bookable_day,
                          file_complaint=handlers["file_complaint"].file_order,
                          validators={"person_name": slots["person_name"], "id_number": slots["id_number"],
                                      "contact": slots["contact"]},
                          backend_names=BACKEND_NAMES)
        return MiniProgramApi(handle=self.dispatcher.handle, services=self.services, sessions=self.sessions,
                              rules=rules, content_check=self.wechat_mp.content_check,
                              check_content=self.wechat_mp.settings.content_check)

    @cached_property
    def partner_api(self) -> PartnerApi:
        """The partner API (docs/partners.md): partners' keys and citizens' consents in the records."""
        return PartnerApi(consents=self.records.consents, identity=self.identity, mp_api=self.mp_api)

    def watcher(self):
        """The progress-notification watcher (python -m bot.watcher; `notifications:` settings)."""
        from bot.notifications.settings import load_notification_settings
        from bot.notifications.watcher import Watcher
        return Watcher(store=self.services.subscriptions, identity=self.identity, adapters=self.adapters,
                       wechat=self.wechat, mp_notices=self.wechat_mp.notices,
                       settings=load_notification_settings(self.settings.extra))

    def hotline(self, workers: int = 4) -> HotlineIngestor:
        """A hotline ingestor (12345 transcripts) working on `workers` calls at once."""
        purposes = frozenset(i for i, h in self.dispatcher.handlers.items() if h.purpose)
        return HotlineIngestor(parse=self.nlu.parse, routing=self.services.service_settings.complaint_routing,
                               min_confidence=self.settings.nlu.clarify_below, purposes=purposes,
                               workorders=self.adapters.workorders, hub=self.hub, workers=workers,
                               pepper=self.settings.security.hash_pepper, catalogue=self.services.catalogue,
                               keep_heard=self.records.heard.keep_many if self.records else None,
                               parse_many=self.nlu.parse_many, call_model=call_model.current())

    @cached_property
    def crosscheck_settings(self) -> CrosscheckSettings:
        return CrosscheckSettings.read(self.settings.extra)

    def run_crosscheck(self, trigger: str, out: Path | None = None) -> RunReport:
        """One run of the cross-department checks over this runtime's adapters and records."""
        return run_checks(self.adapters, self.records.findings, today=CLOCK.today(),
                          lookback_months=self.crosscheck_settings.lookback_months, out=out, trigger=trigger)

    def open_channels(self) -> None:
        """Build the web app's channels now, in one thread, before any request: their settings
        are checked (a wrong one stops the start) and WeChat becomes the Outbox's sender."""
        self.wechat_oa, self.miniprogram   # noqa: B018 (built and cached)


def build_runtime(settings: Settings) -> Runtime:
    configure_logging(settings.app.log_level)
    configure_pseudonyms(settings.security.hash_pepper)
    if settings.clock_at:
        CLOCK.move_to(settings.clock_at)
        log.warning("the clock is moved: it is %s for this process (clock.at)", CLOCK.now().isoformat())
    hub = RedisHub(settings.redis.url, settings.redis.key_prefix)
    adapters = build_adapters(settings.backends, hub, settings.profile)
    identity = IdentityStore(hub, settings.security.data_key, settings.security.hash_pepper)
    sessions = SessionStore(hub, settings.conversation.ttl_s, settings.security.data_key)
    lock = UserLock(hub, settings.conversation.lock_ttl_s, settings.conversation.lock_wait_s)
    nlu = NluClient(settings.nlu, hub)
    records = build_records(settings)
    handlers = build_handlers()
    services = build_services(settings, hub, adapters=adapters, identity=identity,
                              menu=MainMenu(handlers, MENU_ORDER, MENU_INTENT), records=records)
    dispatcher = Dispatcher(nlu=nlu, sessions=sessions, lock=lock, identity=identity, handlers=handlers,
                            services=services, clarify_below=settings.nlu.clarify_below,
                            error_replies=ErrorReplies(BACKEND_NAMES), menu=services.menu,
                            page_size=services.service_settings.ledger.page_size,
                            keep_not_understood=records.kept.keep, count_turn=TurnStats(hub).add)
    runtime = Runtime(settings, hub, nlu, adapters, identity, sessions, dispatcher, services, records)
    runtime.crosscheck_settings   # noqa: B018 (checked at start-up: a wrong setting stops it)
    # The chat's complaint form checks a mini-program citizen's text as the API does (msgSecCheck).
    services.content_screen = lambda channel, user_id, text: runtime.mp_api.screen(channel, user_id, text)
    watch_queues(runtime)
    return runtime


BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}


def watch_queues(runtime: Runtime) -> None:
    """Figures of the present, computed at each scrape of /metrics from Redis (shared by every
    process, so any one of them answers for all): the job stream, the dead letters, the handoff
    queue and each backend's breaker."""
    def jobs() -> dict[str, float]:
        return runtime.wechat_oa.late.jobs.waiting()       # stream, unacknowledged, delayed, dead
    metrics.computed_gauges("job_stream_jobs", "Jobs of the deferred-job stream, by state (dead: dead letters)",
                            "state", jobs)
    metrics.computed_gauge("handoff_queue_waiting", "Citizens waiting for a human agent",
                           lambda: runtime.services.handoff.waiting())
    metrics.computed_gauges(
        "adapter_breaker_state", "Each backend's circuit breaker: 0 closed, 1 half-open, 2 open (-1 unknown)",
        "backend", lambda: {a.name: BREAKER_STATES.get(a.breaker.state(), -1) for a in runtime.adapters.all()})


def build_records(settings: Settings) -> Records:
    """The durable records (records.url, else SQLite under data/), migrated to the newest schema
    (or, with records.migrate_on_start false, checked to be there); every read of a citizen's
    records in a backend is audited into them from here on."""
    section = Section("records", settings.extra.get("records") or {})
    url = section.str("url", "") or None
    records = Records.over(open_database(url, migrate=section.bool("migrate_on_start", True)))
    consent = Section("partner_api", settings.extra.get("partner_api") or {}).section("consent", {})
    records.consents.code_valid_s = consent.int("code_valid_s", 900, lo=60, hi=24 * 3600)
    records.consents.max_days = consent.int("max_days", 365, lo=1, hi=3650)
    access.set_sink(records.audit.record)
    return records


def build_services(settings: Settings, hub: RedisHub, *, adapters: Adapters | None, identity: IdentityStore | None,
                   menu: MainMenu | None, records: Records | None = None) -> Services:
    """The stores and settings the handlers use besides the adapters. Checked here, at start-up:
    a bad setting or catalogue file stops the start. (A test of one channel may leave out the
    adapters, the identity store and the menu.)"""
    service_settings = load_service_settings(settings.extra)
    watch_calendar(service_settings.office_hours.calendar)
    outbox = Outbox(hub, settings.security.data_key)   # channels that can push register a sender here
    return Services(
        settings=settings, adapters=adapters, identity=identity, service_settings=service_settings,
        catalogue=load_catalogue(), office_hours=OfficeHours(service_settings.office_hours), menu=menu,
        outbox=outbox, handoff=HandoffDesk(hub, service_settings.handoff, outbox), callbacks=CallbackTasks(hub, outbox),
        ratings=RatingBook(hub, records.ratings if records else None), binding_guard=BindingGuard(hub, service_settings.binding),
        subscriptions=SubscriptionStore(hub), consents=records.consents if records else None,
        consent_codes=BindingGuard(hub, service_settings.binding, space="consentcode"))


def watch_calendar(calendar, days_ahead: int = 30) -> None:
    """Warn at start-up when next year's holidays are not known yet, and keep a metric of it.

    Never a failing /readyz: that would take every instance out of the load balancer at once,
    while the only harm is that a holiday may be taken for a working day."""
    # Days from today whose holidays are known (0: not even today's year), as of each scrape.
    metrics.computed_gauge("workday_calendar_days_ahead", "Days ahead covered by the known holiday calendar",
                           lambda: calendar.days_covered_ahead(CLOCK.today()))
    missing = calendar.uncovered_from(CLOCK.today(), days_ahead)
    if missing is not None:
        log.warning("office hours: the holiday calendar does not know %d yet (%s is within %d days); "
                    "until it does, only the holidays the law fixes count, without that year's extra days "
                    "and 调休 swaps. Upgrade chinese-calendar "
                    "or give the year's days in office_hours.holidays / extra_workdays and its year in "
                    "office_hours.calendar_years", missing.year, missing.isoformat(), days_ahead)
