"""How many queries a page costs, for tests that pin a page's count whatever the rows it shows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, path: str) -> int:
    """The queries one GET of ``path`` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200, path
    return len(queries)
