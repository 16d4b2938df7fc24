import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The durable records of every runtime the tests build go to a database of this run, never to
# data/ or to a DATABASE_URL of the environment (tests of PostgreSQL use TEST_DATABASE_URL).
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='records-')}/records.sqlite3"

# Fixtures of real parts: Redis, the Rasa server, the sandbox backends, the whole stack, the WeChat
# simulator and the channel apps on top of it, the hotline's sample calls. Shared helpers are in
# tests/fixtures/ too (chat.py: a citizen talking; fake_nlu.py: the keyword NLU stand-in; wx.py: pushes).
pytest_plugins = ["tests.fixtures.clock", "tests.fixtures.redis", "tests.fixtures.nlu", "tests.fixtures.sandbox",
                  "tests.fixtures.stack", "tests.fixtures.wechat", "tests.fixtures.hotline",
                  "tests.fixtures.records", "tests.fixtures.console"]
