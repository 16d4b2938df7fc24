"""The open platform's partners (docs/partners.md), in DATABASE_URL's records (migrated first).

    make partner NAME=hospital SCOPES=catalogue:read,ledger:read [LIMIT=120/minute]
                                        register a partner; prints its first key, once
    make partner-key NAME=hospital [ROTATE=1]
                                        a new key (printed once); ROTATE=1 revokes the others
    make partner-revoke KEY=<key_id>    revoke one key (its id: the 8 characters after pk_)
    python scripts/partner.py list      every partner, its scopes and keys (ids only)
    python scripts/partner.py change NAME [--scopes …] [--limit …] [--disable | --enable]

A key is shown only when it is made: the records keep a keyed hash of it (HASH_PEPPER), so a lost
key is replaced, never recovered.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.records import SCOPES, PartnerBook, PartnerRefused, open_database  # noqa: E402


def _scopes(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def _show_key(key: str) -> None:
    print(f"key: {key}")
    print("shown only now: give it to the partner over a safe channel (it is kept only as a keyed hash)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="register a partner and print its first key")
    add.add_argument("name")
    add.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(SCOPES)}")
    add.add_argument("--limit", default="", help="its own rate limit (else partner_api.limits.user)")
    key = sub.add_parser("key", help="a new key of a partner")
    key.add_argument("name")
    key.add_argument("--rotate", action="store_true", help="revoke the partner's other keys")
    revoke = sub.add_parser("revoke-key", help="revoke one key by its id")
    revoke.add_argument("key_id")
    sub.add_parser("list", help="the partners")
    change = sub.add_parser("change", help="change a partner's scopes, limit or state")
    change.add_argument("name")
    change.add_argument("--scopes")
    change.add_argument("--limit")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true")
    state.add_argument("--enable", action="store_true")
    args = p.parse_args(argv)

    db = open_database()
    book = PartnerBook(db)
    try:
        if args.command == "add":
            partner, first = book.register(args.name, _scopes(args.scopes), args.limit or None)
            print(f"partner {partner.name}: {' '.join(partner.scopes)}"
                  + (f", limit {partner.rate_limit}" if partner.rate_limit else ""))
            _show_key(first)
        elif args.command == "key":
            _show_key(book.new_key(args.name, revoke_others=args.rotate))
            if args.rotate:
                print(f"every other key of {args.name} is revoked")
        elif args.command == "revoke-key":
            print(f"key {args.key_id} of {book.revoke_key(args.key_id)} is revoked")
        elif args.command == "list":
            for partner in book.all():
                keys = book.keys(partner.name)
                live = [k["key_id"] for k in keys if k["revoked_at"] is None]
                print(f"{partner.name}\t{' '.join(partner.scopes)}\tlimit {partner.rate_limit or 'default'}\t"
                      f"{'disabled' if partner.disabled else 'enabled'}\tkeys {', '.join(live) or 'none'}"
                      f" ({len(keys) - len(live)} revoked)")
        else:
            disabled = True if args.disable else False if args.enable else None
            partner = book.change(args.name, scopes=_scopes(args.scopes) if args.scopes else None,
                                  rate_limit=args.limit, disabled=disabled)
            print(f"partner {partner.name}: {' '.join(partner.scopes)}, limit {partner.rate_limit or 'default'}, "
                  f"{'disabled' if partner.disabled else 'enabled'}")
    except PartnerRefused as e:
        print(f"partner: {e}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
