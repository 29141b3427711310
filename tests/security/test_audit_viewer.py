"""Tenant admins see who saw or changed a child's records, filtered and paginated; nobody else does."""

import re
from collections import Counter
from datetime import UTC, timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from mash import audit, tenancy
from mash.models import AuditEvent
from mash.roles import Role
from mash.security import audit_views
from tests.contacts.builders import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_a, make_user):
    return {role: make_user(tenant_a, role) for role in (Role.ADMIN, Role.TRIAGE, Role.REFERRER, Role.HEAD)}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_finds_everyone_who_opened_a_childs_contact_by_its_reference(people, api_as, tenant_b, make_user):
    contact = submit(api_as(people[Role.REFERRER]))
    other = submit(api_as(people[Role.REFERRER]))
    api_as(people[Role.TRIAGE]).get(f"/api/v1/contacts/{contact['id']}/")  # a read, logged by contacts
    api_as(people[Role.TRIAGE]).get(f"/api/v1/contacts/{other['id']}/")
    outsider = make_user(tenant_b, Role.ADMIN)

    page = _client(people[Role.ADMIN]).get("/security/audit/", {"reference": contact["reference"]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Contact opened" in html and people[Role.TRIAGE].username in html
    assert html.count("Contact opened") == 1  # the other contact's read is not this child's record
    with tenancy.tenant_context(people[Role.ADMIN].tenant):
        mine = AuditEvent.objects.filter(object_type="contacts.contact", object_id=str(contact["id"])).count()
    assert f"{mine} event" in html

    # Another tenant's admin cannot find it: the reference is not theirs.
    theirs = _client(outsider).get("/security/audit/", {"reference": contact["reference"]}).content.decode()
    assert "No contact has the reference" in theirs and people[Role.TRIAGE].username not in theirs


def test_filters_by_user_action_and_dates_and_rejects_a_backwards_range(people, tenant_a):
    admin, triage = people[Role.ADMIN], people[Role.TRIAGE]
    audit.record(actor=triage, action="contact.viewed", tenant=tenant_a)
    audit.record(actor=admin, action="agency.changed", tenant=tenant_a)
    client = _client(admin)

    by_user = client.get("/security/audit/", {"user": triage.username}).content.decode()
    assert "Contact opened" in by_user and "Agency changed" not in by_user
    by_action = client.get("/security/audit/", {"action": "agency."}).content.decode()
    assert "Agency changed" in by_action and "Contact opened" not in by_action
    in_words = client.get("/security/audit/", {"action": "contact opened"}).content.decode()
    assert "Contact opened" in in_words and "Agency changed" not in in_words
    today = timezone.localdate()
    future = client.get("/security/audit/", {"date_from": (today + timedelta(days=1)).isoformat()}).content.decode()
    assert "No events match" in future
    backwards = client.get(
        "/security/audit/", {"date_from": today.isoformat(), "date_to": (today - timedelta(days=2)).isoformat()}
    ).content.decode()
    assert "The end date must be the same as or after the start date" in backwards
    assert "govuk-error-summary" in backwards


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.REFERRER])
def test_only_admins_and_heads_open_the_audit_log(people, role):
    assert _client(people[role]).get("/security/audit/").status_code == 403
    assert _client(people[Role.HEAD]).get("/security/audit/").status_code == 200


def test_the_audit_log_costs_the_same_queries_for_ten_or_a_hundred_events(people, tenant_a):
    admin = people[Role.ADMIN]
    client = _client(admin)
    for _ in range(10):
        audit.record(actor=admin, action="contact.viewed", tenant=tenant_a)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/security/audit/").status_code == 200
    for _ in range(90):
        audit.record(actor=admin, action="contact.viewed", tenant=tenant_a)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/security/audit/")
    assert len(many) == len(few)
    html = page.content.decode()
    assert "100 events, newest first" in html and 'rel="next"' in html  # 50 a page


def _events_on(html):
    return re.findall(r'<time datetime="([^"]+)"', html)


def _link(html, rel):
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_the_log_pages_from_newest_to_oldest_and_back_without_counting_past_a_limit(people, tenant_a, monkeypatch):
    admin = people[Role.ADMIN]
    client = _client(admin)
    with tenancy.tenant_context(tenant_a):
        AuditEvent.objects.bulk_create(
            AuditEvent(tenant=tenant_a, actor=admin, actor_label=admin.username, action="contact.viewed")
            for _ in range(120)
        )  # stamped as they are written: many within the same millisecond, as a busy hub's reads are
        every = Counter(at.astimezone(UTC).isoformat() for at in AuditEvent.objects.values_list("at", flat=True))
    monkeypatch.setattr(audit_views, "COUNT_UP_TO", 100)
    first = client.get("/security/audit/", {"action": "contact opened"}).content.decode()
    assert "More than 100 events, newest first" in first
    newest = _events_on(first)
    assert len(newest) == 50 and newest == sorted(newest, reverse=True)
    assert _link(first, "prev") is None
    older = _link(first, "next")
    assert "action=contact+opened" in older  # the filter goes with the page
    middle = client.get(older).content.decode()
    assert _events_on(middle)[0] < newest[-1] and len(_events_on(middle)) == 50
    last = client.get(_link(middle, "next")).content.decode()
    assert len(_events_on(last)) == 20 and _link(last, "next") is None  # 120 in all, none twice
    assert Counter(_events_on(first) + _events_on(middle) + _events_on(last)) == every  # each once
    back = client.get(_link(last, "prev")).content.decode()
    assert _events_on(back) == _events_on(middle)
    monkeypatch.setattr(audit_views, "COUNT_UP_TO", 1000)
    assert "120 events, newest first" in client.get("/security/audit/", {"action": "contact opened"}).content.decode()


@pytest.mark.parametrize("cursor", ["garbage", "cD0yMDI2", "cD05OTk5OTk5OS0wMS0wMQ==", "", "%00"])
def test_a_cursor_that_is_not_ours_shows_the_newest_events(people, tenant_a, cursor):
    audit.record(actor=people[Role.ADMIN], action="contact.viewed", tenant=tenant_a)
    response = _client(people[Role.ADMIN]).get("/security/audit/", {"cursor": cursor})
    assert response.status_code == 200
    assert "1 event, newest first" in response.content.decode()


def test_the_log_reads_as_words_not_codes_and_python_values(people, tenant_a):
    admin, triage = people[Role.ADMIN], people[Role.TRIAGE]
    triage.first_name, triage.last_name = "Priya", "Shah"
    triage.save()
    audit.record(
        actor=triage, action="rating.changed", tenant=tenant_a, label="Red",
        changes={"rating": ["amber", "red"], "urgent": True, "ids": [12, 14], "note": None, "unit": "working_days",
                 "due_at": "2026-06-30T23:30:00+00:00", "on": "2026-12-04", "reference": "CAM-2026-000001",
                 "username": "j_smith"},
    )  # fmt: skip
    html = _client(admin).get("/security/audit/").content.decode()
    assert "Rating changed" in html and "rating.changed" not in html
    assert "Priya Shah" in html
    assert "Rating: amber to red" in html and "Urgent: Yes" in html and "Records: 12, 14" in html
    assert "Note: none" in html
    # Codes in words, and an instant (stored in UTC, ISO 8601) in London time the GOV.UK way: BST makes it the 1st.
    assert "Unit: working days" in html and "Due at: 1 July 2026 at 12:30am" in html and "On: 4 December 2026" in html
    assert "Reference: CAM-2026-000001" in html and "T23:30" not in html and "working_days" not in html
    assert "Username: j_smith" in html  # a value that is no choice's code is shown as it was stored
    for python in ("True", "None", "[", "{", "&#x27;"):
        assert python not in html.split("<tbody")[1].split("</tbody>")[0]


def test_dates_are_typed_into_govuk_date_boxes_kept_on_error_and_each_error_links_to_its_first_box(people):
    client = _client(people[Role.ADMIN])
    blank = client.get("/security/audit/").content.decode()
    assert 'type="date"' not in blank
    for box in ("date_from-day", "date_from-month", "date_from-year", "date_to-day", "date_to-month", "date_to-year"):
        assert f'name="{box}"' in blank
    today = timezone.localdate()
    parts = {"date_from-day": str(today.day), "date_from-month": str(today.month), "date_from-year": str(today.year)}
    assert client.get("/security/audit/", parts).status_code == 200
    wrong = client.get(
        "/security/audit/",
        {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026", "date_to-day": "3",
         "date_to-year": "2026", "user": "kept"},
    )  # fmt: skip
    html = wrong.content.decode()
    assert wrong.status_code == 400
    assert "The start date must be a real date" in html and "The end date must include a month" in html
    assert 'href="#id_date_from-day"' in html and 'href="#id_date_to-day"' in html
    assert 'id="id_date_from-day" name="date_from-day" type="text" inputmode="numeric" value="31"' in html
    assert 'value="kept"' in html


def test_searching_a_reference_finds_who_downloaded_the_contacts_documents(people, api_as):
    from tests.mash import document_builders as files

    contact = submit(api_as(people[Role.REFERRER]))
    upload = api_as(people[Role.REFERRER]).post(
        f"/api/v1/contacts/{contact['id']}/documents/",
        {"file": files.upload("body-map.pdf", files.pdf()), "kind": "body_map"},
        format="multipart",
    )
    assert api_as(people[Role.HEAD]).get(upload.data["download"]).status_code == 200

    html = _client(people[Role.ADMIN]).get("/security/audit/", {"reference": contact["reference"]}).content.decode()
    assert "Document uploaded" in html and "Document downloaded" in html
    assert people[Role.HEAD].username in html
