"""Two workers rating one contact at once: one wins, the other is told (409), and one set of requests exists.

Real PostgreSQL row locks, so committed data and separate connections (transactional_db, threads).
"""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from mash import tenancy
from mash.models import AuditEvent
from navigators.models import InformationRequest
from tests.triage.builders import new_contact
from triage.models import RatingHistory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.parametrize(("first", "second"), [("red", "red"), ("red", "amber")])
def test_two_concurrent_ratings_one_wins_one_conflicts_and_one_set_of_requests_exists(cambs, api_as, first, second):
    contact = new_contact(cambs)
    seen = contact.version  # both workers opened the contact at the same version
    clients = [api_as(cambs["triage"]), api_as(cambs["triage2"])]
    url = f"/api/v1/contacts/{contact.pk}/rating/"
    responses = _at_once([
        lambda: clients[0].post(url, {"rating": first, "rationale": "Injury.", "version": seen}, format="json"),
        lambda: clients[1].post(url, {"rating": second, "rationale": "DA.", "version": seen}, format="json"),
    ])  # fmt: skip
    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    winner_name = "cambridgeshire-triage" if responses[0].status_code == 200 else "cambridgeshire-triage2"
    assert winner_name in loser.data["detail"]
    with tenancy.tenant_context(cambs["tenant"]):
        per_agency = Counter(InformationRequest.objects.filter(contact=contact).values_list("agency__slug", flat=True))
        assert per_agency == Counter(set(cambs["agencies"]))  # every agency once
        assert RatingHistory.objects.filter(contact=contact).count() == 1
        assert AuditEvent.objects.filter(action="information_request.opened").count() == len(cambs["agencies"])
