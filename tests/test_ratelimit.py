"""connectors/ratelimit.py against the real Redis: per sender, per address, and open when Redis is down."""
import asyncio
import uuid

from redis.asyncio import Redis

from connectors.ratelimit import Limits, RateLimiter
from tests.conftest import TEST_REDIS_URL


def test_the_limit_counts_each_sender_and_each_address_apart() -> None:
    async def run() -> tuple[list[bool], bool, bool]:
        redis = Redis.from_url(TEST_REDIS_URL)
        limiter = RateLimiter(redis, Limits(per_sender=2, per_address=3), prefix=f"t:{uuid.uuid4().hex}")
        try:
            same = [await limiter.allow("s1", "10.0.0.1") for _ in range(3)]       # the third is over (sender)
            other_sender = await limiter.allow("s2", "10.0.0.1")                    # address: 4th → over
            elsewhere = await limiter.allow("s3", "10.0.0.2")
            return same, other_sender, elsewhere
        finally:
            await redis.aclose()
    same, other_sender, elsewhere = asyncio.run(run())
    assert same == [True, True, False] and other_sender is False and elsewhere is True


def test_with_redis_down_the_limit_is_not_enforced() -> None:
    async def run() -> bool:
        redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        try:
            return await RateLimiter(redis, Limits(per_sender=1)).allow("s", "a")
        finally:
            await redis.aclose()
    assert asyncio.run(run()) is True
