import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Fixtures of real parts: Redis, the Rasa server, the sandbox backends, the whole stack.
pytest_plugins = ["tests.fixtures.clock", "tests.fixtures.redis", "tests.fixtures.nlu", "tests.fixtures.sandbox",
                  "tests.fixtures.stack"]
