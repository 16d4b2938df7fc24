"""成都市民服务助手: the assistant's code, in floors. Each floor stands on the floors below it.

    roof  bot.runtime  bot.worker  bot.watcher  app    the composition root: builds each part once, and alone
                                          wires handlers and adapters into the rest
    6     handlers                        one class per intent (the features)
    5     bot.web                         the HTTP blueprints
    4     bot.channels                    wechat_oa, miniprogram, hotline: a wire format ↔ a turn
    3     bot.conversation                the handler contract, the dispatcher, forms, control words
          bot.notifications               progress notifications: the watcher's polling and telling
    2     adapters  bot.crosscheck  bot.nlu  bot.records  bot.stores  bot.wechat_api
                                          government backends, cross-department checks, NLU,
                                          durable records (SQLAlchemy), Redis stores, WeChat's API
    1     bot.city                        what the city is and offers (districts, topics, catalogue)
    0     bot.core                        the ground: clock, settings, logs, privacy, Redis, jobs, messages

The rule: a module imports from its own room and from rooms on lower floors, never from a
higher one; rooms of one floor may import each other, but never in a cycle. A room is an entry
below: a folder or module of bot/, or a top-level package. Only the roof builds the adapters and
the handlers (build_adapters, build_handlers); lower floors may read the adapters' error taxonomy,
never a handler. tests/test_architecture.py holds it.
"""

FLOORS = (
    ("bot.core",),
    ("bot.city",),
    ("adapters", "bot.crosscheck", "bot.nlu", "bot.records", "bot.stores", "bot.wechat_api"),
    ("bot.conversation", "bot.notifications"),
    ("bot.channels",),
    ("bot.web",),
    ("handlers",),
    ("bot.runtime", "bot.worker", "bot.watcher", "app"),
)
