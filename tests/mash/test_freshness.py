"""Owed work (mash.freshness) stays owed while a settler is working on it: a staff request arriving meanwhile
must settle too (waiting for the worker's transaction) instead of reading around matching not yet committed.
bin/run's own test once read a referrer's second MARF without its earlier contact: the worker had cleared the
hint before its matching committed."""

import pytest
from django.core.cache import cache

from mash import freshness

pytestmark = pytest.mark.django_db  # owe() defers its second note to the commit

TENANT = 987654  # a key of its own in the shared cache: no tenant row is read


@pytest.fixture
def probe():
    seen = []

    def settler():
        seen.append(cache.get(freshness._key("probe", TENANT)))
        return settler.done

    settler.done = True
    freshness.register("probe", settler)
    cache.delete(freshness._key("probe", TENANT))
    yield settler, seen
    freshness._settlers.pop("probe", None)
    cache.delete(freshness._key("probe", TENANT))


def test_the_hint_stays_while_the_settler_works_and_is_cleared_after(probe):
    _, seen = probe
    freshness.owe("probe", TENANT)
    freshness.settle("probe", TENANT)
    assert seen[0] is not None  # a staff request during the settling still sees work owed
    assert cache.get(freshness._key("probe", TENANT)) is None  # done: nothing owed after


def test_work_owed_while_settling_stays_owed(probe):
    _, seen = probe

    def owing_meanwhile():
        seen.append("ran")
        freshness.owe("probe", TENANT)  # a referrer's MARF committed while the worker matched
        return True

    freshness.register("probe", owing_meanwhile)
    freshness.owe("probe", TENANT)
    freshness.settle("probe", TENANT)
    assert seen == ["ran"]
    assert cache.get(freshness._key("probe", TENANT)) is not None


def test_work_left_behind_stays_owed(probe):
    settler, _ = probe
    settler.done = False
    freshness.owe("probe", TENANT)
    freshness.settle("probe", TENANT)
    assert cache.get(freshness._key("probe", TENANT)) is not None
