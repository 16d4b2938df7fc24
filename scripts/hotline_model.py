#!/usr/bin/env python3
"""The hotline's model of a whole call (bot/channels/hotline/call_model.py): train it when its
labelled sets, its code or the pinned scikit-learn changed, print its path.

    python scripts/hotline_model.py

Where it cannot be trained (scikit-learn or the labelled sets missing, models/ not writable) it
says why and exits 0: the hotline then reads calls with its rules alone, as the service does.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.hotline import call_model  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(call_model.ensure())
    except Exception as e:  # noqa: BLE001 (no model is a working state: the rules decide)
        print(f"hotline model not trained ({type(e).__name__}: {e}); the hotline's rules alone will read calls",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
