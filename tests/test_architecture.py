"""The floors of the house hold: no module imports upward, and no rooms import each other in a cycle.

The floor map is read from bot/__init__.py (FLOORS), and every import of bot/, handlers/, adapters/
and app.py is read from the source with `ast` — nothing is imported or run, so an import inside a
function or under `if TYPE_CHECKING:` counts too. A room is an entry of FLOORS: a folder or module
of bot/ (bot.core, bot.runtime), or a top-level package (handlers, adapters). A module imports only
its own room and rooms on lower floors; rooms of one floor may import each other, never in a cycle.

The last tests build a copy of the house, break the rule in it on purpose, and check that the
checker says so: a checker that cannot fail would hold nothing.
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "adapters")
TOP_MODULES = ("app",)


def floor_map(root: Path) -> tuple[tuple[str, ...], ...]:
    """FLOORS of bot/__init__.py, read as a literal (bottom floor first)."""
    tree = ast.parse((root / "bot" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FLOORS" for t in node.targets):
            return tuple(tuple(floor) for floor in ast.literal_eval(node.value))
    raise AssertionError("bot/__init__.py defines no FLOORS")


def modules(root: Path) -> dict[str, Path]:
    """Every module of ours by dotted name (a package by its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for name in TOP_MODULES:
        if (root / f"{name}.py").exists():
            found[name] = root / f"{name}.py"
    return found


def imports(name: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module of ours) for each import in the file, relative ones resolved."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from bot import metrics` imports the module bot.metrics when there is one.
                full = f"{base}.{alias.name}"
                out.append((node.lineno, full if full in known else base))
    return [(line, target) for line, target in out if target.split(".")[0] in (*PACKAGES, *TOP_MODULES)]


def room_of(module: str, rooms: list[str]) -> str | None:
    """The room a module belongs to: the longest room name it is, or is inside of."""
    inside = [r for r in rooms if module == r or module.startswith(r + ".")]
    return max(inside, key=len) if inside else None


def check(root: Path) -> list[str]:
    """Every breach of the rule, as a sentence; empty when the house holds."""
    floors = floor_map(root)
    level = {room: i for i, floor in enumerate(floors) for room in floor}
    rooms = list(level)
    found = modules(root)
    problems = []
    edges: dict[str, set[str]] = {r: set() for r in rooms}
    for name, path in found.items():
        if name == "bot":
            continue   # the floor map itself
        room = room_of(name, rooms)
        if room is None:
            problems.append(f"{name} is in no room of FLOORS")
            continue
        for line, target in imports(name, path, set(found)):
            to = room_of(target, rooms)
            where = f"{path.relative_to(root)}:{line}"
            if to is None:
                problems.append(f"{where}: {name} imports {target}, which is in no room of FLOORS")
            elif to != room:
                edges[room].add(to)
                if level[to] > level[room]:
                    problems.append(f"{where}: {name} imports {target} upward ({room} → {to})")
    problems += [f"import cycle between rooms: {' → '.join(c)}" for c in cycles(edges)]
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of rooms (Tarjan), for the message."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group) + [sorted(group)[0]])

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


# -- the house as it is ----------------------------------------------------------------------------
def test_every_module_stands_on_lower_floors_only():
    assert check(ROOT) == []


def test_the_floor_map_names_each_room_once_and_only_rooms_that_exist():
    floors = floor_map(ROOT)
    rooms = [room for floor in floors for room in floor]
    assert len(rooms) == len(set(rooms))
    found = modules(ROOT)
    assert [r for r in rooms if r not in found] == []
    assert floors[0] == ("bot.core",), "bot/core is the ground floor"
    assert floors[-1][0] == "bot.runtime", "the composition root is the roof"


def test_the_ground_floor_imports_nothing_of_ours():
    found = modules(ROOT)
    for name, path in found.items():
        if room_of(name, ["bot.core"]):
            assert [t for _, t in imports(name, path, set(found)) if not t.startswith("bot.core")] == [], name


def test_only_the_roof_builds_the_adapters_and_the_handlers():
    """The composition root alone wires handlers and adapters into the rest: nothing below the roof
    calls build_adapters() or build_handlers() (the adapters' error taxonomy may be read lower down)."""
    roof = set(floor_map(ROOT)[-1])
    builders = {"build_adapters", "build_handlers"}
    found = modules(ROOT)
    for name, path in found.items():
        if room_of(name, list(roof)) or name in ("adapters", "handlers.registry"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not builders & {a.name for a in node.names}, f"{name} imports a builder"
            if isinstance(node, ast.Name):
                assert node.id not in builders, f"{name} calls {node.id}"


def test_the_sandbox_stands_on_the_ground_floor_only():
    """The fake government backends share our identifier shapes and clock, nothing else of ours."""
    found = modules(ROOT)
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        ours = [t for _, t in imports(name, path, set(found))]
        assert [t for t in ours if not t.startswith("bot.core")] == [], name


# -- the checker fails when the rule is broken --------------------------------------------------------
def _copy_of_the_house(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    assert check(tmp_path) == []
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_deliberate_upward_import_fails(tmp_path):
    house = _copy_of_the_house(tmp_path)
    # The ground learns of a handler: the lowest floor reaching for the top one.
    _append(house / "bot" / "core" / "clock.py", "from handlers.registry import build_handlers  # noqa")
    # A channel asks the dispatcher's own module for something, inside a function: still counted.
    _append(house / "bot" / "nlu" / "client.py", "def _later():\n    from bot.conversation import dispatcher")
    problems = check(house)
    upward = [p for p in problems if "upward" in p]
    assert len(upward) == 2, problems
    assert any("bot/core/clock.py" in p and "upward (bot.core → handlers)" in p for p in upward), upward
    assert any("bot/nlu/client.py" in p and "upward (bot.nlu → bot.conversation)" in p for p in upward), upward
    # An upward import closes a loop with the downward ones: the cycle is reported too.
    assert [p for p in problems if p not in upward and not p.startswith("import cycle between rooms")] == []


def test_a_cycle_between_rooms_of_one_floor_fails(tmp_path):
    house = _copy_of_the_house(tmp_path)
    # Sideways imports are allowed on one floor, but never both ways round.
    _append(house / "bot" / "nlu" / "client.py", "from bot.stores import sessions  # noqa")
    assert check(house) == []
    _append(house / "bot" / "stores" / "sessions.py", "import bot.nlu.client  # noqa")
    assert check(house) == ["import cycle between rooms: bot.nlu → bot.stores → bot.nlu"]


def test_a_module_outside_every_room_fails(tmp_path):
    house = _copy_of_the_house(tmp_path)
    (house / "bot" / "misc.py").write_text("from bot.core import clock\n", encoding="utf-8")
    assert check(house) == ["bot.misc is in no room of FLOORS"]
