"""The cache (mash.redis_cache) keeps one Redis client per server for the process, and still works as Django's."""

from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    settings.CACHES["default"]["BACKEND"] != "mash.redis_cache.RedisCache", reason="runs with REDIS_URL set"
)


def test_values_round_trip_through_one_kept_client():
    cache.get("warm-up")  # the client exists from here
    with mock.patch.object(redis.Redis, "__init__", side_effect=AssertionError("a client built per operation")):
        cache.set("prototype-test", {"a": 1}, 30)
        assert cache.get("prototype-test") == {"a": 1}
        assert cache.add("prototype-test", "other", 30) is False  # already there
        cache.set("prototype-counter", 1, 30)
        assert cache.incr("prototype-counter") == 2
        cache.delete("prototype-test")
        assert cache.get("prototype-test", "gone") == "gone"
    cache.delete("prototype-counter")


def test_reads_and_writes_share_the_single_servers_client():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert client.ping()
