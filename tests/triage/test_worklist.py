"""The triage queue as a worklist: counts at a glance, the child first, rating and status in words, time left,
returns still awaited, filters by team, worker, rating and status, and a server-side sort."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from mash import tenancy, timefmt
from mash.models import Team, TeamMember, User
from tests.triage.builders import new_contact
from thresholds.models import Rating

pytestmark = pytest.mark.django_db


def page(user, query=""):
    client = Client()
    client.force_login(user)
    response = client.get(f"/triage/{query}")
    assert response.status_code == 200
    return response.content.decode()


def rows(html):
    body = html[html.index("<tbody") : html.index("</tbody>")]
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]
    return [text.replace(" ,", ",") for text in texts]


def row_text(html, contact):
    """The words of ``contact``'s row."""
    start = html.index(f'id="queue-row-{contact.pk}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</tr>", start)])).strip()


def child(first, last, born):
    return [{"first_name": first, "last_name": last, "date_of_birth": born.isoformat(), "postcode": "CB1 2AB",
             "sex": "F", "ethnicity": "WBRI"}]  # fmt: skip


def test_each_row_starts_with_the_childs_name_and_age_then_rating_time_left_and_status(cambs):
    today = timezone.localdate()
    born = date(today.year - 7, 1, 1) if (today.month, today.day) >= (1, 1) else date(today.year - 8, 1, 1)
    ruby = new_contact(cambs, "ruby", children=child("Ruby", "Stone", born))
    [row] = rows(page(cambs["triage"]))
    assert row.startswith(f"Ruby Stone, {timefmt.age_in_years(born)} years")
    assert "Not rated" in row and "left" in row and "Received" in row and "None awaited" in row
    assert ruby.reference in row and row.endswith("Take contact " + ruby.reference)


def test_the_strip_counts_overdue_due_within_the_hour_due_today_and_not_taken(cambs):
    now = timezone.now()
    for key, due in [("late", now - timedelta(minutes=20)), ("soon", now + timedelta(minutes=30)),
                     ("later", now + timedelta(days=3))]:  # fmt: skip
        contact = new_contact(cambs, key)
        with tenancy.tenant_context(cambs["tenant"]):
            Contact.objects.filter(pk=contact.pk).update(decision_due_at=due)
    with tenancy.tenant_context(cambs["tenant"]):
        Contact.objects.filter(external_reference="later").update(assigned_to=cambs["triage"])
    html = page(cambs["triage"])
    start = html.index('id="queue-counts"')
    strip = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</ul>", start)]))
    assert "1 overdue" in strip and "1 due within the hour" in strip and "2 not taken" in strip
    # Due by the end of today, overdue included: "soon" is tomorrow when the test runs in the day's last half hour.
    end_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    due_today = sum(due < end_of_today for due in (now - timedelta(minutes=20), now + timedelta(minutes=30)))
    assert f"{due_today} due today" in strip
    [late] = rows(page(cambs["triage"], "?due=overdue"))
    assert re.search(r"Overdue by (19|20) min", late) and "Overdue Overdue" not in late  # said once
    assert len(rows(page(cambs["triage"], "?due=hour"))) == 1
    assert len(rows(page(cambs["triage"], "?worker=none"))) == 2


def test_a_link_in_the_strip_opens_as_many_contacts_as_it_counts_and_costs_no_count_of_its_own(cambs):
    """The strip's links are what triage opens all day: their totals are the strip's own counts, read once at one
    instant, so the caption never disagrees with the number clicked and the page costs what the whole queue does."""
    now = timezone.now()
    for key, due in [("late", now - timedelta(minutes=20)), ("later", now - timedelta(minutes=5)),
                     ("soon", now + timedelta(minutes=30)), ("tomorrow", now + timedelta(days=2))]:  # fmt: skip
        contact = new_contact(cambs, key)
        with tenancy.tenant_context(cambs["tenant"]):
            Contact.objects.filter(pk=contact.pk).update(decision_due_at=due)
    with tenancy.tenant_context(cambs["tenant"]):
        Contact.objects.filter(external_reference="late").update(assigned_to=cambs["triage"])
    client = Client()
    client.force_login(cambs["triage"])

    def opened(query):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(f"/triage/{query}").content.decode()
        caption = re.search(r'id="queue-caption">([^<]*)<', html).group(1)
        return caption, len(rows(html)), len(captured)

    _caption, _shown, whole = opened("")
    assert opened("?due=overdue") == ("2 open contacts match", 2, whole)
    assert opened("?overdue=1&sort=child") == ("2 open contacts match", 2, opened("?sort=child")[2])
    assert opened("?due=hour")[::2] == ("1 open contact matches", whole)
    assert opened("?worker=none") == ("3 open contacts match", 3, whole)
    # Any other filter is counted as it is read: one count more.
    assert opened("?due=overdue&worker=none") == ("1 open contact matches", 1, whole + 1)


def test_filters_by_team_and_worker_and_the_selected_filters_can_be_removed(cambs):
    with tenancy.tenant_context(cambs["tenant"]):
        team = Team.objects.create(tenant=cambs["tenant"], name="MASH team A")
        TeamMember.objects.create(tenant=cambs["tenant"], team=team, user=cambs["triage2"])
    mine, theirs = new_contact(cambs, "mine"), new_contact(cambs, "theirs")
    with tenancy.tenant_context(cambs["tenant"]):
        Contact.objects.filter(pk=mine.pk).update(assigned_to=cambs["triage"])
        Contact.objects.filter(pk=theirs.pk).update(assigned_to=cambs["triage2"])
    html = page(cambs["triage"], f"?team={team.pk}")
    [row] = rows(html)
    assert theirs.reference in row
    assert f'<option value="{team.pk}" selected>MASH team A</option>' in html
    assert '<a class="moj-filter__tag" href="?"><span class="govuk-visually-hidden">Remove this filter: Team' in html
    [row] = rows(page(cambs["triage"], f"?worker={cambs['triage'].pk}"))
    assert mine.reference in row and "You" in row


def test_rows_say_how_many_returns_are_awaited_and_when_the_next_is_due(cambs, api_as):
    contact = new_contact(cambs, "rated")
    api_as(cambs["triage"]).post(
        f"/api/v1/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Serious injury"}, format="json"
    )
    with tenancy.tenant_context(cambs["tenant"]):
        awaited = contact.information_requests.filter(status__in=("open", "overdue")).count()
        next_due = min(r.due_at for r in contact.information_requests.all())
    assert awaited > 0
    html = page(cambs["triage"])
    [row] = rows(html)
    assert re.search(rf"\b{awaited}\b", row)
    assert timefmt.time_left(next_due).words.split(" ")[0] in row
    assert re.search(r'govuk-tag govuk-tag--red">Red', html)  # the rating's word as well as its colour


def test_sort_by_child_server_side_and_marks_the_column(cambs):
    new_contact(cambs, "b", children=child("Zara", "Young", date(2015, 5, 1)))
    new_contact(cambs, "a", children=child("Adam", "Abbott", date(2016, 5, 1)))
    html = page(cambs["triage"], "?sort=child")
    assert [r.split(",")[0] for r in rows(html)] == ["Adam Abbott", "Zara Young"]
    assert '<th scope="col" class="govuk-table__header" aria-sort="ascending">Child</th>' in html
    html = page(cambs["triage"], "?sort=child&order=desc")
    assert [r.split(",")[0] for r in rows(html)] == ["Zara Young", "Adam Abbott"]


def test_what_people_typed_shows_as_text_in_a_row_never_as_markup(cambs):
    """The rows are built in code (triage/templatetags/triage_worklist.py), not by the template's autoescape: a
    referrer's child names, a colleague's name and an admin's rating label all reach the page as text."""
    hostile = '<img src=x onerror="alert(1)">'
    contact = new_contact(cambs, "hostile", children=child(hostile, '"><script>x()</script>', date(2019, 5, 1)))
    with tenancy.tenant_context(cambs["tenant"]):
        red = Rating.objects.get(code="red")
        Rating.objects.filter(pk=red.pk).update(label=f"Red {hostile}")
        User.objects.filter(pk=cambs["triage2"].pk).update(first_name=hostile, last_name="<b>Bold</b>")
        Contact.objects.filter(pk=contact.pk).update(rating=red, assigned_to=cambs["triage2"])
    html = page(cambs["triage"])
    start = html.index(f'id="queue-row-{contact.pk}"')
    row = html[start : html.index("</tr>", start)]
    assert "<img" not in row and "<script" not in row and "<b>" not in row
    # The child (their name and its sort key), the rating and the worker.
    assert row.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 4
    assert "&quot;&gt;&lt;script&gt;x()&lt;/script&gt;" in row and "&lt;b&gt;Bold&lt;/b&gt;" in row
    assert 'class="govuk-tag govuk-tag--red">Red &lt;img' in row  # still the rating's tag, in its colour


def test_a_worker_sees_their_own_contacts_as_you_and_may_take_only_the_others(cambs):
    mine, theirs, free = (new_contact(cambs, key) for key in ("mine", "theirs", "free"))
    with tenancy.tenant_context(cambs["tenant"]):
        Contact.objects.filter(pk=mine.pk).update(assigned_to=cambs["triage"])
        User.objects.filter(pk=cambs["triage2"].pk).update(first_name="Sam", last_name="Okafor")
        Contact.objects.filter(pk=theirs.pk).update(assigned_to=cambs["triage2"])
    html = page(cambs["triage"])
    shown = {c: row_text(html, c) for c in (mine, theirs, free)}
    assert shown[mine].endswith("You")
    assert shown[theirs].endswith("Sam Okafor")
    assert shown[free].endswith(f"Take contact {free.reference}")
    head = Client()
    head.force_login(cambs["head"])  # a head of service sees the queue but takes no contact
    assert "Take contact" not in head.get("/triage/").content.decode()
