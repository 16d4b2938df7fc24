"""`make user NAME=… ROLE=agent|department|office|admin [DEPT=…]`: create an operator's account for
the console (in DATABASE_URL's database, migrated first) and print its one-time password, which
must be changed at the first login."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.city.departments import department_name  # noqa: E402
from bot.records import ROLES, AccountBook, open_database  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--dept", default="")
    args = p.parse_args(argv)
    db = open_database()
    try:
        password = AccountBook(db).create(args.name, args.role, args.dept or None)
    except ValueError as e:
        print(f"make user: {e}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    scope = f" ({department_name(args.dept)})" if args.dept else ""
    print(f"account {args.name}: {args.role}{scope}")
    print(f"one-time password: {password}")
    print("it must be changed at the first login at /console/login")
    return 0


if __name__ == "__main__":
    sys.exit(main())
