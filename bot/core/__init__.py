"""The ground floor: what every other part stands on, standing on nothing of ours.

    clock, workdays   what day and time it is (one application clock), and which days are worked
    config, settings  config.yaml read and checked once at start-up; errors (ConfigError)
    logs, metrics     logging that never writes an ID or phone number; Prometheus metrics
    privacy, sealing  identifier shapes, masking, keyed hashes; sealing what is kept in Redis
    redis_hub         one place that builds the Redis clients and prefixes their keys
    jobs              the job stream (Redis Streams) for work done outside a request
    messages          channel-neutral Incoming and the replies (Text, Choices, Card, ListReply)
"""
