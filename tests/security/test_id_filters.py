"""A list filtered by a row's id takes a whole number in the database's range and says what is wrong with anything
else: on the embedded default (SQLite) ``?contact=`` with a 24-digit number was a 500, and on PostgreSQL an
empty list that looked like an answer."""

import pytest

from mash.roles import Role
from tests.contacts.builders import make_contact

pytestmark = pytest.mark.django_db

FILTERED = [
    ("/api/v1/case-notes/", "contact"),
    ("/api/v1/information-requests/", "contact"),
    ("/api/v1/information-returns/", "contact"),
    ("/api/v1/information-returns/", "request"),
    ("/api/v1/early-help/requests/", "contact"),
]


@pytest.mark.parametrize(("path", "name"), FILTERED)
def test_an_id_filter_refuses_what_is_not_an_id_in_words(tenant_a, make_user, api_as, path, name):
    client = api_as(make_user(tenant_a, Role.MANAGER))
    for value, words in [
        (str(10**23), "less than or equal to 9223372036854775807"),
        ("1.5", "Enter a whole number"),
        ("0", "greater than or equal to 1"),
    ]:
        response = client.get(path, {name: value})
        assert response.status_code == 400, (path, value, response.content)
        assert any(words in message for message in response.json()[name]), response.json()


def test_a_case_note_list_filtered_by_a_real_contact_still_lists_its_notes(tenant_a, make_user, api_as):
    triage = make_user(tenant_a, Role.TRIAGE)
    contact = make_contact(tenant_a, "filtered")
    client = api_as(triage)
    assert client.post("/api/v1/case-notes/", {"contact": contact.pk, "text": "Rang the school."}).status_code == 201
    listed = client.get("/api/v1/case-notes/", {"contact": contact.pk}).json()
    assert [note["text"] for note in listed["results"]] == ["Rang the school."]
