"""A small JSON API for the departments' staff: the cross-department checks' findings, and their
review, for a department's own system to take them in.

    GET  /api/staff/findings?status=open&rule=…    the findings the account may see (as in the console)
    GET  /api/staff/findings/<id>                  one, with each department's evidence
    POST /api/staff/findings/<id>/review           {"decision": "confirmed"|"dismissed", "note": "…"}

Each request authenticates as a console account (HTTP Basic: name and password; a department,
office or admin account whose one-time password is changed); wrong passwords count towards its
lock-out like the console's login. A department sees and reviews its own department's findings
only (another's: 403). Every finding answered is audited as a read, as in the console.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, make_response, request

from bot.crosscheck.rules import RULE_TITLES
from bot.records import ReviewRefused
from bot.records.findings import STATUSES
from bot.web import runtime
from bot.web.console.findings import audit_shown
from bot.web.person_auth import PersonRefused, person_from_basic_auth

bp = Blueprint("staff_api", __name__, url_prefix="/api/staff")
ROLES = ("department", "office", "admin")


def _operator():
    try:
        return person_from_basic_auth(ROLES)
    except PersonRefused as refused:
        abort(make_response(*refused.response("staff")))


def _scope(who) -> str | None:
    return who.department if who.role == "department" else None


def _public(f: dict) -> dict:
    return {k: v for k, v in f.items() if k != "citizen_key"} | {"title": RULE_TITLES.get(f["rule"], f["rule"])}


def _mine(who, finding_id: int) -> dict:
    f = runtime().records.findings.get(finding_id)
    if f is None:
        abort(404)
    if _scope(who) is not None and f["reviewer"] != _scope(who):
        abort(403)
    return f


@bp.errorhandler(401)
def _unauthorised(_e):
    return jsonify(error="authentication required"), 401, {"WWW-Authenticate": 'Basic realm="staff"'}


@bp.errorhandler(403)
def _forbidden(_e):
    return jsonify(error="forbidden"), 403


@bp.get("/findings")
def findings():
    who = _operator()
    status = request.args.get("status") or None
    rule = request.args.get("rule") or None
    if (status and status not in STATUSES) or (rule and rule not in RULE_TITLES):
        return jsonify(error=f"status is one of {', '.join(STATUSES)}; rule one of {', '.join(RULE_TITLES)}"), 400
    rows = runtime().records.findings.search(reviewer=_scope(who), status=status, rule=rule, limit=500)
    audit_shown(who, rows, "api_finding_list")
    return jsonify(findings=[_public(f) for f in rows])


@bp.get("/findings/<int:finding_id>")
def finding(finding_id: int):
    who = _operator()
    f = _mine(who, finding_id)
    audit_shown(who, [f], "api_finding")
    return jsonify(finding=_public(f))


@bp.post("/findings/<int:finding_id>/review")
def review(finding_id: int):
    who = _operator()
    _mine(who, finding_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error='a JSON body {"decision": "confirmed"|"dismissed", "note": "…"}'), 400
    try:
        f = runtime().records.findings.review(finding_id, str(body.get("decision") or ""), str(body.get("note") or ""),
                                              by=who.actor, department=_scope(who))
    except ReviewRefused as e:
        return jsonify(error=str(e)), 400
    audit_shown(who, [f], "api_finding_review")
    return jsonify(finding=_public(f))
