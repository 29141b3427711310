"""Django's Redis cache, with one client per server kept for the process instead of one made per operation.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every get, set or
add: 0.1 ms each (redis-py fills in its table of about 170 response callbacks), three times the 0.035 ms the
operation itself costs a kept client. A MARF does three cache writes. The client is only a front to the server's
connection pool, which Django already keeps and redis-py makes safe across threads and forks, so it is kept too.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as _DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(_DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClients
