"""No module uses a name it never defines (pyflakes, undefined names only).

Such a name fails only when its line runs: a rarely taken branch (an item found through a catalogue
synonym) passed every test while it would have answered the citizen with an error. Unused imports
and the like are left to taste; an undefined name is always a defect.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from pyflakes import api, messages, reporter

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("bot", "handlers", "adapters", "sandbox", "scripts", "app.py")
DEFECTS = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)


class _Collect(reporter.Reporter):
    def __init__(self):
        super().__init__(None, None)
        self.found: list = []

    def flake(self, message):
        if isinstance(message, DEFECTS):
            self.found.append(message)

    def syntaxError(self, filename, msg, lineno, offset, text):
        self.found.append(f"{filename}:{lineno}: {msg}")

    def unexpectedError(self, filename, msg):
        self.found.append(f"{filename}: {msg}")


def undefined_names(paths) -> list[str]:
    collect = _Collect()
    api.checkRecursive([str(p) for p in paths], collect)
    return [str(m) for m in collect.found]


def test_no_module_uses_an_undefined_name():
    assert undefined_names(ROOT / p for p in CHECKED) == []


def test_the_check_finds_an_undefined_name(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def item(text):\n    return text in bookable\n", encoding="utf-8")
    found = undefined_names([broken])
    assert len(found) == 1 and "bookable" in found[0]


@pytest.mark.parametrize("source", ["import os\n", "x = 1\nx = 2\n"])
def test_matters_of_taste_are_not_reported(tmp_path, source):
    module = tmp_path / "tasteful.py"
    module.write_text(source, encoding="utf-8")
    assert undefined_names([module]) == []
