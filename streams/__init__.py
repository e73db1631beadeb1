"""The queue: outbox relay to Redis Streams, caseworker consumers, escalation job and the worker loop."""
