"""What the assistant keeps about citizens and conversations in Redis, one store per module.

Each store owns its keys (under the configured prefix, bot.core.redis_hub), and each that
keeps data about a citizen forgets it on `forget_user(user_key)` (WeChat unsubscribe).

    sessions       the conversation state (sealed) and the per-citizen lock
    identity       who a channel user has proven to be (ID number encrypted, found by keyed hash)
    binding_guard  lock-outs and SMS limits of identity binding
    handoff        the agents' queue and the conversations a person is handling
    outbox         messages to a citizen that are not an answer (an agent's), until delivered
    callbacks      call-back tasks for departments (bad ratings, handoff after hours)
    ratings        好差评 counts per intent and department
"""
