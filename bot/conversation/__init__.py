"""A conversation with one citizen: the handler contract and the dispatcher that owns each turn.

    contract       what a handler is (Handler, Slot, Turn, Result) and what it gets (Services)
    dispatcher     one turn: lock, session, understanding, forms, the handler, errors, replies
    menu           the numbered main menu
    error_replies  what a citizen is told when a backend fails
"""
