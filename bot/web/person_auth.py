"""A person's own console account on a JSON API (the agents' and the departments' staff APIs):
HTTP Basic with the account's name and password, checked by the same AccountBook as the console's
login — so the lock-out after repeated wrong passwords and the one-time password's change hold
here too, and no key is ever shared between people."""
from __future__ import annotations

from flask import Response, jsonify, request

from bot.records import LoginRefused, Operator
from bot.web import runtime


def basic_auth_name() -> str | None:
    """The account name a request signs in with (its rate limit counts by it), or None."""
    auth = request.authorization
    return auth.username[:64] if auth is not None and auth.type == "basic" and auth.username else None


class PersonRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self, realm: str) -> tuple[Response, int, dict]:
        headers = {"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'} if self.status == 401 else {}
        return jsonify(error=self.message), self.status, headers


def person_from_basic_auth(roles: tuple[str, ...]) -> Operator:
    """The account behind this request, or PersonRefused (401: no or wrong credentials, a locked
    account; 403: the one-time password not yet changed, or a role not in `roles`)."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        raise PersonRefused(401, "a console account is required (HTTP Basic: name and password)")
    try:
        who = runtime().records.accounts.login(auth.username, auth.password or "")
    except LoginRefused as refused:
        raise PersonRefused(401, str(refused)) from None
    if who.must_change_password:
        raise PersonRefused(403, "change the one-time password at /console/password first")
    if who.role not in roles:
        raise PersonRefused(403, f"the {who.role} role may not use this API")
    return who
