"""Durable records that people search: operators' accounts, the audit of personal-data reads, the
messages the bot did not understand, ratings, what the hotline heard, the findings of
the cross-department checks, and the open platform's partners and citizens' consents. SQLAlchemy over SQLite by default (a file under
data/, nothing to install), PostgreSQL where several hosts share them (DATABASE_URL).

    db = open_database()                       # DATABASE_URL, or sqlite:///data/records.sqlite3
    db.migrate()                               # Alembic: the schema to its newest revision
    AccountBook(db).create("wang", "office")   # → the one-time password
    AuditLog(db).record(backend="housing_fund", operation="account", citizen_id="5101…", …)

Redis keeps the hot state (console sessions among it); these are the records people look back on.
"""
from dataclasses import dataclass

from bot.records.accounts import ROLES, AccountBook, LoginRefused, Operator
from bot.records.audit import AuditLog
from bot.records.consents import ConsentProblem, ConsentRefused, Consents, ConsentView
from bot.records.db import Database, database_url, open_database
from bot.records.findings import Findings, NewFinding, ReviewRefused
from bot.records.heard_calls import HeardCalls
from bot.records.kept import KeptMessages
from bot.records.partners import PERSONAL_SCOPES, SCOPES, PartnerBook, PartnerRefused, PartnerView
from bot.records.rating_records import RatingRecords


@dataclass
class Records:
    """The record books over one database (built once by the runtime)."""
    db: Database
    accounts: AccountBook
    audit: AuditLog
    kept: KeptMessages
    ratings: RatingRecords
    heard: HeardCalls
    findings: Findings
    partners: PartnerBook
    consents: Consents

    @classmethod
    def over(cls, db: Database) -> "Records":
        return cls(db, AccountBook(db), AuditLog(db), KeptMessages(db), RatingRecords(db), HeardCalls(db),
                   Findings(db), PartnerBook(db), Consents(db))


__all__ = ["AccountBook", "AuditLog", "ConsentProblem", "ConsentRefused", "ConsentView", "Consents", "Database", "Findings", "HeardCalls", "NewFinding", "ReviewRefused", "KeptMessages", "LoginRefused", "Operator", "PERSONAL_SCOPES", "PartnerBook", "PartnerRefused",
           "PartnerView", "ROLES", "SCOPES",
           "RatingRecords", "Records", "database_url", "open_database"]
