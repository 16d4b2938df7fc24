"""The control port (port_base + 0): health, faults and counters, so that tests
running in another process can drive the sandbox over HTTP.

GET    /__health                 200 once every backend listens
GET    /__faults                 active faults
POST   /__faults/<backend>       {"mode": ..., "times": N?, "delay_s": X?}
DELETE /__faults                 reset every fault, bring "down" backends back
POST   /__data/restore           every backend back to its seeded records (and limits to their start values)
POST   /__data/advance           {"ref": "CJ…"} moves that application one step along its sequence
                                 (sandbox/progress.py): 200 {"ref", "backend", "before", "status",
                                 "last_step"}; 404 no such record; 409 AT_LAST_STEP (it moves no further)
GET    /__rate                   every backend's request rate limit
POST   /__rate/<backend>         {"limit": "5/second"} changes one (until restore)
GET    /__limits                 the bulk listings' rate and volume limits, per backend
POST   /__limits/<backend>       {"name": "bulk", "limit": "2/second"} changes one (until restore)
GET    /__stats/<backend>        request counters of one backend
POST   /__tokens/<backend>/revoke  revoke every access token the backend issued
GET    /__clock                  the sandbox's date and time
POST   /__clock                  {"at": "2027-02-08T10:00:00+08:00"} moves it there (time runs on)
DELETE /__clock                  back to the wall clock
"""
from __future__ import annotations

import json
import logging

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.core.clock import CLOCK
from sandbox.faults import FaultBoard, Stats
from sandbox.progress import AtLastStep
from sandbox.server import BackendServer

log = logging.getLogger("sandbox.control")


def _json(data, status=200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, content_type="application/json; charset=utf-8")


class ControlApp:
    def __init__(self, servers: dict[str, BackendServer], apps: dict, faults: FaultBoard, stats: Stats):
        self.servers, self.apps, self.faults, self.stats = servers, apps, faults, stats
        self.ready = False
        self.url_map = Map([
            Rule("/__health", endpoint="health", methods=["GET"]),
            Rule("/__faults", endpoint="list_faults", methods=["GET"]),
            Rule("/__faults", endpoint="reset", methods=["DELETE"]),
            Rule("/__faults/<backend>", endpoint="set_fault", methods=["POST"]),
            Rule("/__data/restore", endpoint="restore", methods=["POST"]),
            Rule("/__data/advance", endpoint="advance", methods=["POST"]),
            Rule("/__rate", endpoint="list_rates", methods=["GET"]),
            Rule("/__rate/<backend>", endpoint="set_rate", methods=["POST"]),
            Rule("/__limits", endpoint="list_limits", methods=["GET"]),
            Rule("/__limits/<backend>", endpoint="set_limit", methods=["POST"]),
            Rule("/__stats/<backend>", endpoint="get_stats", methods=["GET"]),
            Rule("/__tokens/<backend>/revoke", endpoint="revoke", methods=["POST"]),
            Rule("/__clock", endpoint="get_clock", methods=["GET"]),
            Rule("/__clock", endpoint="move_clock", methods=["POST"]),
            Rule("/__clock", endpoint="reset_clock", methods=["DELETE"]),
        ])

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request, **args)
        except HTTPException as e:
            response = _json({"error": e.name}, e.code or 500)
        return response(environ, start_response)

    def _known(self, backend: str) -> None:
        if backend not in self.servers:
            raise _NotFound(backend)

    def health(self, request):
        states = {name: ("up" if s.listening else "down") for name, s in self.servers.items()}
        return _json({"ok": self.ready, "backends": states}, 200 if self.ready else 503)

    def list_faults(self, request):
        return _json(self.faults.snapshot())

    def reset(self, request):
        for name in self.faults.reset():
            self.servers[name].start()
        return _json({"reset": True})

    def restore(self, request):
        worlds = {id(app.world): app.world for app in self.apps.values()}
        for world in worlds.values():
            world.restore()   # first: the backends' own copies are seeded from it
        for app in self.apps.values():
            app.restore()
        log.info("data restored to the seeded state")
        return _json({"restored": sorted(self.apps)})

    def advance(self, request):
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            ref = str(body["ref"]).strip().upper()
        except (ValueError, TypeError, KeyError, AttributeError):
            return _json({"error": "BAD_REQUEST", "message": "expected {\"ref\": \"<application or order number>\"}"},
                         400)
        for app in self.apps.values():
            try:
                moved = app.advance(ref)
            except AtLastStep as e:
                return _json({"error": "AT_LAST_STEP", "ref": ref, "backend": app.name, "status": e.status,
                              "message": e.why}, 409)
            if moved is not None:
                log.info("advanced %s (%s): %s -> %s", ref, app.name, moved.before, moved.status)
                return _json(moved.as_dict())
        return _json({"error": "NOT_FOUND", "ref": ref, "message": "no backend holds an application with this number"},
                     404)

    def list_rates(self, request):
        return _json({name: app.rate.as_dict() for name, app in self.apps.items()})

    def set_rate(self, request, backend):
        self._known(backend)
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            self.apps[backend].rate.set(str(body["limit"]))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return _json({"error": f"expected {{\"limit\": \"N/second|minute\"}}: {e}"}, 400)
        log.info("rate limit of %s set to %s", backend, self.apps[backend].rate.spec)
        return _json({backend: self.apps[backend].rate.as_dict()})

    def set_fault(self, request, backend):
        self._known(backend)
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            fault = self.faults.set(backend, body.get("mode"), body.get("times"), body.get("delay_s"))
        except (ValueError, TypeError, AttributeError) as e:
            return _json({"error": str(e)}, 400)
        if fault.mode == "down":
            self.servers[backend].stop()
        elif not self.servers[backend].listening:
            self.servers[backend].start()  # another fault replaces "down"
        log.info("fault on %s: %s", backend, fault.as_dict())
        return _json({backend: fault.as_dict()})

    def list_limits(self, request):
        return _json({name: {k: q.as_dict() for k, q in app.quotas.items()}
                      for name, app in self.apps.items() if app.quotas})

    def set_limit(self, request, backend):
        self._known(backend)
        quotas = self.apps[backend].quotas
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            name = body.get("name") or (next(iter(quotas)) if len(quotas) == 1 else None)
            if name not in quotas:
                raise ValueError(f"{backend} has no limit named {name!r}; it has: {', '.join(quotas) or 'none'}")
            quotas[name].set(str(body["limit"]))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return _json({"error": f"expected {{\"name\": ..., \"limit\": \"N/second|minute|day\"}}: {e}"}, 400)
        log.info("limit %s of %s set to %s", name, backend, quotas[name].spec)
        return _json({backend: {name: quotas[name].as_dict()}})

    def get_stats(self, request, backend):
        self._known(backend)
        return _json(self.stats.get(backend))

    def revoke(self, request, backend):
        self._known(backend)
        revoke = getattr(self.apps[backend], "revoke_tokens", None)
        if revoke is None:
            return _json({"error": f"{backend} issues no tokens"}, 400)
        return _json({"revoked": revoke()})

    def get_clock(self, request):
        now = CLOCK.now()
        return _json({"now": now.isoformat(), "today": now.date().isoformat(), "moved": CLOCK.moved})

    def move_clock(self, request):
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            CLOCK.move_to(str(body["at"]))
        except (ValueError, TypeError, KeyError) as e:
            return _json({"error": f"expected {{\"at\": \"<ISO date-time>\"}}: {e}"}, 400)
        log.info("clock moved to %s", CLOCK.now().isoformat())
        return self.get_clock(request)

    def reset_clock(self, request):
        CLOCK.move_to(None)
        return self.get_clock(request)


class _NotFound(HTTPException):
    code = 404

    def __init__(self, backend: str):
        super().__init__(f"no backend named {backend}")
