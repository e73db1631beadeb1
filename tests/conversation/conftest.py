"""The live stack for end-to-end conversations: Rasa with the fingerprinted model (trained once when bot/ or
config.yml changed), the gateway, PostgreSQL and Redis. JISHIJIU_TEST_MODEL=<model file or dir> uses that model
instead (to try a bot change without retraining the default one)."""
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from jishijiu.settings import Settings
from tests.conversation.live import CHAT_REDIS_URL, LiveStack, start_stack, train_model


@pytest.fixture(scope="session")
def live(store_settings: Settings) -> Iterator[LiveStack]:
    redis = Redis.from_url(CHAT_REDIS_URL)
    redis.flushdb()
    redis.close()
    override = os.environ.get("JISHIJIU_TEST_MODEL")
    yield from start_stack(store_settings, Path(override) if override else train_model())
