"""The live stack for end-to-end conversations: Rasa is trained during the test run (skipped by Rasa itself when
bot/ and config.yml are unchanged since the last model) and started with the gateway."""
from collections.abc import Iterator

import pytest
from redis import Redis

from jishijiu.settings import Settings
from tests.conversation.live import CHAT_REDIS_URL, LiveStack, start_stack, train_model


@pytest.fixture(scope="session")
def live(store_settings: Settings) -> Iterator[LiveStack]:
    redis = Redis.from_url(CHAT_REDIS_URL)
    redis.flushdb()
    redis.close()
    yield from start_stack(store_settings, train_model())
