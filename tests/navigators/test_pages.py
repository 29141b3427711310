"""The navigator's workspace, the request page and its return form, reassignment, the enquiry side by side,
and the tenant admin's templates and sharing setting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mash import tenancy
from mash.models import Agency, User
from navigators import services
from navigators.models import InformationRequest, InformationReturn, QuestionTemplate
from tests.audit_helpers import audit_events
from tests.navigators.builders import good_return, open_enquiry, refreshed
from tests.text import read

pytestmark = pytest.mark.django_db


def _page(client, user, url, **kwargs):
    client.force_login(user)
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_workspace_lists_overdue_first_then_by_time_left(hub, client):
    now = timezone.now()
    _c, later = open_enquiry(hub, "later", rating="green", agencies=[hub.police], at=now - timedelta(hours=1))
    _c, sooner = open_enquiry(hub, "sooner", rating="red", agencies=[hub.police], at=now - timedelta(hours=1))
    _c, late = open_enquiry(hub, "late", rating="red", agencies=[hub.police], at=now - timedelta(hours=5))
    page = _page(client, hub.nav_police, "/navigators/")
    positions = [page.index(f"/navigators/requests/{r['police'].pk}/") for r in (late, sooner, later)]
    assert positions == sorted(positions)
    assert "Overdue" in page and "Red" in page and "Green" in page  # colours carry their words


def test_the_workspace_filters_by_rating_and_status(hub, client):
    _c, red = open_enquiry(hub, "red-one", rating="red", agencies=[hub.police])
    _c, amber = open_enquiry(hub, "amber-one", rating="amber", agencies=[hub.police])
    page = _page(client, hub.nav_police, "/navigators/?rating=amber")
    assert f"/navigators/requests/{amber['police'].pk}/" in page
    assert f"/navigators/requests/{red['police'].pk}/" not in page
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=red["police"], actor=hub.nav_police, values=good_return())
    assert f"/navigators/requests/{red['police'].pk}/" not in _page(client, hub.nav_police, "/navigators/")
    assert f"/navigators/requests/{red['police'].pk}/" in _page(client, hub.nav_police, "/navigators/?status=returned")


def test_htmx_refreshes_only_the_rows(hub, enquiry, client):
    _contact, requests = enquiry
    page = _page(client, hub.nav_police, "/navigators/", headers={"HX-Request": "true"})
    assert page.lstrip().startswith('<div id="workspace-rows"')
    assert "<html" not in page
    assert f"/navigators/requests/{requests['police'].pk}/" in page


def test_the_request_page_shows_what_is_needed_to_search(hub, client):
    _contact, requests = open_enquiry(hub, "people")
    page = _page(client, hub.nav_police, f"/navigators/requests/{requests['police'].pk}/")
    assert "Leo Hart" in page and "2 April 2025" in page  # the child, with date of birth
    assert "Amy Hart" in page and "Mother" in page  # the household
    assert "12 Mill Road, Cambridge" in page
    assert "Warning markers" in page  # the police template's questions
    assert "Red" in page


def test_the_referrers_concern_is_shown_only_where_the_tenant_allows(hub, enquiry, client):
    _contact, requests = enquiry
    url = f"/navigators/requests/{requests['police'].pk}/"
    assert "no midwife input" not in _page(client, hub.nav_police, url)
    assert "no midwife input" in _page(client, hub.manager, url)
    client.force_login(hub.admin)
    response = client.post("/navigators/settings/", {"share_concerns_with_agencies": "on"})
    assert response.status_code == 302
    assert audit_events(hub.tenant, action="navigator_settings.changed")
    assert "no midwife input" in _page(client, hub.nav_police, url)


def test_the_request_page_never_shows_another_agencys_return(hub, enquiry, client):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(
            request=requests["police"], actor=hub.nav_police, values=good_return(summary="POLICE-ONLY-FINDINGS")
        )
    assert "POLICE-ONLY-FINDINGS" not in _page(client, hub.nav_health, f"/navigators/requests/{requests['health'].pk}/")
    assert "POLICE-ONLY-FINDINGS" in _page(client, hub.lead_police, f"/navigators/requests/{requests['police'].pk}/")


def _form(**overrides):
    data = {
        "known_to_agency": "yes",
        "summary": "Known: two call-outs.",
        "answer_0": "Two incidents at the address in 2025.",
        "history_date_0": "2025-06-01",
        "history_details_0": "Call-out: argument, no arrests.",
        "risk_indicators": "Warning marker: violence\nRepeat call-outs",
        "sources_checked": "Police National Computer",
        "recommendation": "Strategy discussion.",
        "lawful_basis": "public_task",
        "consent_status": "given",
        "consent_reason": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_the_navigator_saves_a_draft_then_submits_from_the_page(hub, enquiry, client):
    _contact, requests = enquiry
    url = f"/navigators/requests/{requests['police'].pk}/"
    client.force_login(hub.nav_police)
    autosave = client.post(url + "return/autosave/", _form(summary="Half typed", action=""))
    assert autosave.status_code == 200 and b"Draft saved" in autosave.content
    with tenancy.tenant_context(hub.tenant):
        draft = InformationReturn.objects.get(request_id=requests["police"].pk)
    assert draft.summary == "Half typed" and draft.status == "draft"
    assert "Half typed" in _page(client, hub.nav_police, url)  # the draft comes back on the page
    response = client.post(url + "return/", _form())
    assert response.status_code == 302
    ret = refreshed(draft)
    assert ret.status == "submitted"
    assert ret.risk_indicators == ["Warning marker: violence", "Repeat call-outs"]
    assert ret.history == [{"date": "2025-06-01", "details": "Call-out: argument, no arrests."}]
    assert ret.answers[0]["answer"] == "Two incidents at the address in 2025."
    page = _page(client, hub.nav_police, url)
    assert "Submit return" not in page and "Add to the return" in page


def test_an_incomplete_return_shows_the_error_summary_and_keeps_what_was_typed(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    url = f"/navigators/requests/{requests['police'].pk}/return/"
    response = client.post(url, _form(known_to_agency="", recommendation="", summary="Kept text"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "<title>Error:" in page
    assert "Say whether the child or family is known to your agency." in page
    assert "Kept text" in page
    assert refreshed(requests["police"]).status == "open"
    with tenancy.tenant_context(hub.tenant):
        draft = InformationReturn.objects.get(request_id=requests["police"].pk)
    assert draft.summary == "Kept text"


def test_a_bad_history_date_is_a_clear_error_not_a_500(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    response = client.post(f"/navigators/requests/{requests['police'].pk}/return/", _form(history_date_0="2025-02-31"))
    assert response.status_code == 400
    assert "enter the date as a real date" in response.content.decode()


def test_an_addendum_from_the_page(hub, enquiry, client):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    client.force_login(hub.nav_police)
    url = f"/navigators/requests/{requests['police'].pk}/"
    assert client.post(url + "return/addenda/", {"text": ""}).status_code == 400
    assert client.post(url + "return/addenda/", {"text": "Another call-out."}).status_code == 302
    assert "Another call-out." in _page(client, hub.manager, url)


def test_a_lead_reassigns_among_their_navigators_with_a_version_check(hub, enquiry, client):
    _contact, requests = enquiry
    request = requests["police"]
    seen = request.version
    client.force_login(hub.lead_police)
    url = f"/navigators/requests/{request.pk}/assign/"
    page = _page(client, hub.lead_police, url)
    assert "Nav Police 2" in page or "a-nav-police-2" in page
    response = client.post(url, {"assigned_to": str(hub.nav_police2.pk), "version": seen})
    assert response.status_code == 302
    assert refreshed(request).assigned_to == hub.nav_police2
    assert len(audit_events(hub.tenant, action="information_request.assigned")) == 1
    from deadlines.models import Notification

    with tenancy.tenant_context(hub.tenant):
        told = Notification.objects.get(recipient=hub.nav_police2)
    assert told.url == f"/navigators/requests/{request.pk}/"
    stale = client.post(url, {"assigned_to": str(hub.nav_police.pk), "version": seen})
    assert stale.status_code == 400
    assert "Someone else changed this request first" in stale.content.decode()
    assert refreshed(request).assigned_to == hub.nav_police2
    other_agency = client.post(url, {"assigned_to": str(hub.nav_health.pk), "version": refreshed(request).version})
    assert other_agency.status_code == 400


def test_only_leads_reassign(hub, enquiry, client, api_as):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    assert client.get(f"/navigators/requests/{requests['police'].pk}/assign/").status_code == 403
    response = api_as(hub.nav_police).post(
        f"/api/v1/information-requests/{requests['police'].pk}/assign/",
        {"assigned_to": hub.nav_police.pk, "version": 1},
        format="json",
    )
    assert response.status_code == 403


def test_the_assign_api_answers_409_when_the_request_changed(hub, enquiry, api_as):
    _contact, requests = enquiry
    url = f"/api/v1/information-requests/{requests['police'].pk}/assign/"
    client = api_as(hub.lead_police)
    assert client.post(url, {"assigned_to": hub.nav_police.pk, "version": 1}, format="json").status_code == 200
    assert client.post(url, {"assigned_to": hub.nav_police2.pk, "version": 1}, format="json").status_code == 409


def test_the_manager_sees_every_return_side_by_side(hub, enquiry, client):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return(summary="P-SAYS"))
        services.submit_return(request=requests["health"], actor=hub.nav_health, values=good_return(summary="H-SAYS"))
    page = _page(client, hub.manager, f"/navigators/enquiries/{contact.pk}/")
    table = page.split('id="returns-side-by-side"')[1].split("</table>")[0]
    assert "P-SAYS" in table and "H-SAYS" in table
    assert len(audit_events(hub.tenant, action="information_return.viewed", actor=hub.manager)) == 2


@pytest.mark.parametrize("who", ["nav_police", "lead_police", "referrer"])
def test_agency_staff_cannot_open_the_enquiry_page(hub, enquiry, client, who):
    contact, _requests = enquiry
    client.force_login(getattr(hub, who))
    assert client.get(f"/navigators/enquiries/{contact.pk}/").status_code == 403


def test_the_admin_edits_an_agencys_question_template(hub, client):
    client.force_login(hub.admin)
    assert client.post("/navigators/settings/questions/police/", {"questions": "  ", "sources": ""}).status_code == 400
    response = client.post(
        "/navigators/settings/questions/police/", {"questions": "Firearms licences?\nMissing episodes?", "sources": ""}
    )
    assert response.status_code == 302
    with tenancy.tenant_context(hub.tenant):
        assert QuestionTemplate.objects.get(agency=hub.police).questions == ["Firearms licences?", "Missing episodes?"]
    assert audit_events(hub.tenant, action="question_template.changed")
    _c, requests = open_enquiry(hub, "after-edit", agencies=[hub.police])
    with tenancy.tenant_context(hub.tenant):
        assert InformationRequest.objects.get(pk=requests["police"].pk).question_list == [
            "Firearms licences?", "Missing episodes?",
        ]  # fmt: skip
    client.force_login(hub.nav_police)
    assert client.get("/navigators/settings/").status_code == 403


def test_the_settings_page_lists_every_agencys_questions(hub, client):
    page = _page(client, hub.admin, "/navigators/settings/")
    assert "Police" in page and "GP registration" in page and "Exclusions" in page


def test_the_workspace_is_a_worklist_with_counts_and_the_child_named_first_with_their_age(hub, client):
    now = timezone.now()
    _c, late = open_enquiry(hub, "late", rating="red", agencies=[hub.police], at=now - timedelta(hours=5))
    _c, _fresh = open_enquiry(hub, "fresh", rating="green", agencies=[hub.police], at=now - timedelta(minutes=5))
    page = _page(client, hub.nav_police, "/navigators/")
    counts = page[page.index('id="workspace-counts"') : page.index("</ul>", page.index('id="workspace-counts"'))]
    assert ">1</span> overdue" in counts and ">2</span> not assigned" in counts
    row = page[page.index(f'id="request-{late["police"].pk}"') :].split("</tr>")[0]
    assert row.index("Hart") < row.index(f"/navigators/requests/{late['police'].pk}/")  # the child first
    assert " years<" in row or " year<" in row  # with their age
    assert "Overdue by" in read(row) and "Red" in row
    assert 'data-module="moj-sortable-table"' in page and "moj-filter-layout" in page


def _rows(page):
    return [part.split('"', 1)[0] for part in page.split('id="request-')[1:]]


def test_the_workspace_shows_a_page_at_a_time_counting_every_request_the_filters_keep(hub, client, monkeypatch):
    monkeypatch.setattr("navigators.selectors.WORKSPACE_PAGE_SIZE", 2)
    now = timezone.now()
    made = [
        open_enquiry(hub, f"paged-{i}", rating="red", agencies=[hub.police], at=now - timedelta(hours=hours))[1]
        for i, hours in enumerate((6, 5, 2, 1.5, 1))
    ]
    ids = [str(r["police"].pk) for r in made]  # oldest first: the first two are overdue (4-hour returns)
    first = _page(client, hub.nav_police, "/navigators/?rating=red")
    assert _rows(first) == ids[:2]
    assert "5 requests, showing 2 (page 1 of 3)" in first
    # The strip counts every request the filters keep, not just the page's.
    counts = first[first.index('id="workspace-counts"') : first.index("</ul>", first.index('id="workspace-counts"'))]
    assert ">2</span> overdue" in counts and ">5</span> not assigned" in counts
    assert 'href="?rating=red&amp;page=2" rel="next"' in first  # the filters go with the page
    assert _rows(_page(client, hub.nav_police, "/navigators/?rating=red&page=3")) == ids[4:]
    assert _rows(_page(client, hub.nav_police, "/navigators/?rating=red&page=99")) == ids[4:]  # the last page
    assert _rows(_page(client, hub.nav_police, "/navigators/?rating=red&page=x")) == ids[:2]
    # Sorting is the server's, over every request (overdue still first): newest first, page 2 holds the newest
    # two of those not overdue.
    assert _rows(_page(client, hub.nav_police, "/navigators/?rating=red&sort=requested")) == [ids[1], ids[0]]
    assert _rows(_page(client, hub.nav_police, "/navigators/?rating=red&sort=requested&page=2")) == [ids[4], ids[3]]


@pytest.mark.parametrize(
    "filters", [{}, {"rating": "red"}, {"assigned": "unassigned"}, {"assigned": "me"}, {"text": "Leo"}]
)
def test_the_soonest_due_pick_gives_every_page_exactly_as_sorting_every_outstanding_request(hub, filters, monkeypatch):
    """The workspace's first pages are picked from the requests marked overdue and the soonest due alone
    (selectors.WorkspaceSlices); every page must be the one sorting every outstanding request gives: overdue
    first (marked so, or open past its deadline), then by time left, ties by id. A request marked overdue whose
    deadline was since moved on still comes first, though it is late in deadline order."""
    from navigators import selectors

    monkeypatch.setattr(selectors, "SOONEST_PICK_UP_TO", 9)
    now = timezone.now()
    plan = [  # (hours to the deadline, status, rating, assigned to the navigator)
        (3, "open", "red", False), (-2, "open", "green", False), (5, "overdue", "red", False),
        (-1, "overdue", "red", True), (1, "open", "red", True), (-4, "open", "red", False),
        (2, "open", "green", True), (8, "overdue", "green", False), (3, "open", "red", False),
        (0.5, "open", "red", False), (-3, "returned", "red", False),
    ]  # fmt: skip
    for i, (hours, status, rating, mine) in enumerate(plan):
        _c, made = open_enquiry(hub, f"pick-{i}", rating=rating, agencies=[hub.police], at=now - timedelta(hours=9))
        with tenancy.tenant_context(hub.tenant):
            InformationRequest.objects.filter(pk=made["police"].pk).update(
                due_at=now + timedelta(hours=hours), status=status, assigned_to=hub.nav_police if mine else None
            )
    with tenancy.tenant_context(hub.tenant):
        requests = selectors.workspace(hub.nav_police, **filters)
        everything = [r.pk for r in requests]
        assert everything
        for start in range(0, 12, 3):
            slices = selectors.WorkspaceSlices(requests, outstanding_by_due=True)
            assert [r.pk for r in slices[start : start + 3]] == everything[start : start + 3], (filters, start)


def test_what_people_typed_shows_as_text_in_a_workspace_row_never_as_markup(hub, client):
    """The rows are built in code (navigators/templatetags/navigator_worklist.py), not by the template's
    autoescape: a child's name, the agency's name and a colleague's name reach the page as text."""
    hostile = '<img src=x onerror="alert(1)">'
    child = [{"first_name": hostile, "last_name": "<b>Bold</b>", "date_of_birth": "2019-05-01"}]
    _c, requests = open_enquiry(hub, "hostile", agencies=[hub.police], children=child)
    request = requests["police"]
    with tenancy.tenant_context(hub.tenant):
        Agency.objects.filter(pk=hub.police.pk).update(name=f"Police {hostile}")
        User.objects.filter(pk=hub.nav_police2.pk).update(first_name=hostile, last_name="")
        InformationRequest.objects.filter(pk=request.pk).update(assigned_to=hub.nav_police2)
    page = _page(client, hub.nav_police, "/navigators/")
    row = page[page.index(f'id="request-{request.pk}"') :].split("</tr>")[0]
    assert "<img" not in row and "<b>" not in row
    # The child (their name and its sort key), the agency and the worker.
    assert row.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 4
    assert "&lt;b&gt;Bold&lt;/b&gt;" in row


def test_a_workspace_row_says_returned_escalated_and_whose_and_only_a_lead_may_reassign(hub, client):
    now = timezone.now()
    _c, mine = open_enquiry(hub, "mine", agencies=[hub.police], at=now - timedelta(hours=5))
    _c, done = open_enquiry(hub, "done", agencies=[hub.police])
    with tenancy.tenant_context(hub.tenant):
        InformationRequest.objects.filter(pk=mine["police"].pk).update(assigned_to=hub.nav_police, escalation_level=2)
        services.submit_return(request=done["police"], actor=hub.nav_police, values=good_return())
    page = _page(client, hub.nav_police, "/navigators/?status=all")
    row = page[page.index(f'id="request-{mine["police"].pk}"') :].split("</tr>")[0]
    assert "Overdue by" in read(row) and "Escalated</strong> level 2" in row and row.endswith(">You</td>")
    returned = page[page.index(f'id="request-{done["police"].pk}"') :].split("</tr>")[0]
    assert "Returned</strong>" in returned and 'data-sort-value="999999999"' in returned
    assert "Reassign" not in page
    lead = _page(client, hub.lead_police, "/navigators/?status=all")
    assert f'href="/navigators/requests/{mine["police"].pk}/assign/">Reassign' in lead
    assert f"/navigators/requests/{done['police'].pk}/assign/" not in lead  # a returned request stays whose it was
