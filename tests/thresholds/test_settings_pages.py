"""The tenant administrator's policy settings pages: what they show, what they refuse, what they record."""

import html
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.test import Client

from mash import tenancy
from mash.roles import Role
from tests.audit_helpers import audit_events
from thresholds.models import CalendarSettings, ClockPolicy, ClosureDay, Rating, ThresholdIndicator, ThresholdLevel
from thresholds.services import ensure_default_policy

SETTINGS_PAGES = [
    "/settings/",
    "/settings/calendar/",
    "/settings/edt-cover/",
    "/settings/closure-days/",
    "/settings/ratings/",
    "/settings/ratings/red/",
    "/settings/clocks/",
    "/settings/clocks/decision/",
    "/settings/thresholds/",
    "/settings/thresholds/levels/1/",
    "/settings/thresholds/levels/1/indicators/add/",
]
RUNNING_NOTE = "Deadlines already running keep the policy they started with."


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to("2026-11-23T12:00:00Z", tick=False)


@pytest.fixture
def policy(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenancy.tenant_context(tenant):
            ensure_default_policy(tenant=tenant)
    return tenant_a


@pytest.fixture
def admin(policy, make_user):
    return make_user(policy, Role.ADMIN)


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def in_tenant(tenant, fn):
    with tenancy.tenant_context(tenant):
        return fn()


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def assert_rejected(response, message, field_id):
    """A GOV.UK error: summary at the top linking to the field, the field's group marked, the message shown."""
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert f'href="#{field_id}"' in body
    assert "govuk-form-group--error" in body
    assert "govuk-error-message" in body
    assert message in text(response)
    assert text(response).strip().startswith("Error:") or "<title>Error:" in body


# --- who may open them ----------------------------------------------------------------------------


def test_the_admin_home_page_links_to_every_settings_area(browser):
    body = browser.get("/home/admin/").content.decode()
    for href in ("/settings/", "/settings/calendar/", "/settings/closure-days/", "/settings/ratings/"):
        assert f'href="{href}"' in body
    assert 'href="/settings/clocks/"' in body
    assert 'href="/settings/thresholds/"' in body


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.MANAGER])
def test_other_homes_do_not_offer_the_settings(role, client, policy, make_user):
    client.force_login(make_user(policy, role))
    response = client.get("/", follow=True)
    assert 'href="/settings/"' not in response.content.decode()
    assert 'href="/thresholds/"' in response.content.decode()


@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_the_admin_opens_every_settings_page(browser, url):
    assert browser.get(url).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.TRIAGE, Role.MANAGER, Role.NAVIGATOR, Role.REFERRER, Role.EHCOORD, Role.HEAD, Role.AGENCY_LEAD]
)
def test_other_roles_are_refused_every_settings_page(role, client, policy, make_user):
    client.force_login(make_user(policy, role))
    for url in SETTINGS_PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post("/settings/ratings/red/", {"label": "Changed"})
    assert response.status_code == 403
    assert in_tenant(policy, lambda: Rating.objects.get(code="red").label) == "Red"


def test_anonymous_visitors_are_sent_to_sign_in(client, policy):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_forms_need_the_csrf_token(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post("/settings/ratings/red/", {"label": "No token"}).status_code == 403
    assert in_tenant(admin.tenant, lambda: Rating.objects.get(code="red").label) == "Red"


@pytest.mark.parametrize("url", ["/settings/", "/settings/calendar/", "/settings/ratings/", "/settings/clocks/"])
def test_the_pages_say_running_deadlines_keep_their_policy(browser, url):
    assert RUNNING_NOTE in text(browser.get(url))


# --- the working calendar -------------------------------------------------------------------------

GOOD_CALENDAR = {"nation": "WLS", "working_weekdays": ["0", "1", "2", "3"], "day_start": "08:30", "day_end": "16:30"}


def test_the_calendar_page_shows_what_is_saved(browser):
    body = browser.get("/settings/calendar/").content.decode()
    assert re.search(r'value="ENG"\s+checked', body)
    assert re.search(r'value="4"\s+checked', body)  # Friday
    assert not re.search(r'value="5"\s+checked', body)  # Saturday
    assert 'value="09:00"' in body
    assert "Northern Ireland" in body


def test_admin_saves_the_working_calendar_and_it_is_audited(browser, policy, admin):
    response = browser.post("/settings/calendar/", GOOD_CALENDAR)
    assert response.status_code == 302
    calendar = in_tenant(policy, CalendarSettings.objects.get)
    assert (calendar.nation, calendar.working_weekdays) == ("WLS", [0, 1, 2, 3])
    assert (calendar.day_start, calendar.day_end) == (time(8, 30), time(16, 30))
    [event] = audit_events(policy, action="calendar.changed")
    assert event.actor == admin
    assert set(event.changes) == {"nation", "working_weekdays", "day_start", "day_end"}
    assert event.changes["day_start"] == ["09:00:00", "08:30:00"]
    summary = text(browser.get("/settings/"))
    assert "Monday to Thursday" in summary
    assert "08:30 to 16:30" in summary
    assert "Wales" in summary


@pytest.mark.parametrize(
    ("change", "message", "field_id"),
    [
        ({"working_weekdays": []}, "Select at least one working day", "id_working_weekdays_0"),
        ({"day_end": "08:00"}, "The working day must end after it starts", "id_day_end"),
        ({"day_start": "9am"}, "Enter the start time as hours and minutes, like 09:00", "id_day_start"),
        ({"day_end": ""}, "Enter the time the working day ends", "id_day_end"),
        ({"nation": "FRA"}, "Select a nation", "id_nation_0"),
        ({"working_weekdays": ["7"]}, "Select days of the week", "id_working_weekdays_0"),
    ],
)
def test_the_calendar_form_rejects_bad_input_and_keeps_what_was_saved(browser, policy, change, message, field_id):
    response = browser.post("/settings/calendar/", {**GOOD_CALENDAR, **change})
    assert_rejected(response, message, field_id)
    calendar = in_tenant(policy, CalendarSettings.objects.get)
    assert (calendar.nation, calendar.working_weekdays, calendar.day_start) == ("ENG", [0, 1, 2, 3, 4], time(9))
    assert not audit_events(policy, action="calendar.changed")


def test_a_saved_calendar_changes_deadlines_from_then_on(browser, policy, api_as, admin):
    browser.post("/settings/calendar/", {**GOOD_CALENDAR, "working_weekdays": ["0", "1", "2", "3", "4"]})
    response = api_as(admin).get(
        "/api/v1/calendar/due/", {"start": "2026-11-20T16:45:00Z", "amount": "4", "unit": "working_hours"}
    )
    # After 16:30 Friday, so all 4 hours from 08:30 Monday (by 09:00-17:00 it would be 12:45).
    assert response.json() == {"due_at": "2026-11-23T12:30:00Z"}


# --- closure days ---------------------------------------------------------------------------------


def closure_form(day="24", month="12", year="2027", reason="Christmas Eve closure"):
    return {"date_day": day, "date_month": month, "date_year": year, "reason": reason}


def test_admin_adds_a_closure_day_and_it_is_listed_and_audited(browser, policy, admin):
    response = browser.post("/settings/closure-days/", closure_form(), follow=True)
    assert "Closure day added" in text(response)
    assert "Friday 24 December 2027" in text(response)
    assert "Christmas Eve closure" in text(response)
    assert in_tenant(policy, lambda: list(ClosureDay.objects.values_list("date", flat=True))) == [date(2027, 12, 24)]
    [event] = audit_events(policy, action="closure_day.added")
    assert event.actor == admin
    assert event.changes == {"date": "2027-12-24", "reason": "Christmas Eve closure"}


@pytest.mark.parametrize(
    ("form", "message", "field_id"),
    [
        (closure_form(day="", month="", year=""), "Enter the closure date", "id_date_day"),
        (closure_form(month=""), "The closure date must include a month", "id_date_day"),
        (closure_form(day="31", month="2"), "The closure date must be a real date", "id_date_day"),
        (closure_form(year="27"), "The closure date must be a real date", "id_date_day"),
        (closure_form(day="x"), "The closure date must be a real date", "id_date_day"),
        (closure_form(year="2026", month="1", day="5"), "must be today or in the future", "id_date_day"),
        (closure_form(reason=""), "Enter why the hub is closed on this day", "id_reason"),
        (closure_form(reason="   "), "Enter why the hub is closed on this day", "id_reason"),
    ],
)
def test_the_closure_form_rejects_bad_input(browser, policy, form, message, field_id):
    response = browser.post("/settings/closure-days/", form)
    assert_rejected(response, message, field_id)
    assert f'value="{form["date_day"]}"' in response.content.decode()  # what was typed is kept
    assert not in_tenant(policy, ClosureDay.objects.exists)
    assert not audit_events(policy, action="closure_day.added")


def test_a_day_cannot_be_closed_twice(browser, policy):
    browser.post("/settings/closure-days/", closure_form())
    response = browser.post("/settings/closure-days/", closure_form(reason="Again"))
    assert_rejected(response, "The hub is already closed on 24 December 2027.", "id_date_day")
    assert in_tenant(policy, ClosureDay.objects.count) == 1


def test_admin_removes_a_coming_closure_day_and_it_is_audited(browser, policy, admin):
    browser.post("/settings/closure-days/", closure_form())
    closure = in_tenant(policy, ClosureDay.objects.get)
    response = browser.post(f"/settings/closure-days/{closure.pk}/remove/", follow=True)
    assert "Closure day 24 December 2027 removed" in text(response)
    assert not in_tenant(policy, ClosureDay.objects.exists)
    [event] = audit_events(policy, action="closure_day.removed")
    assert event.actor == admin
    assert event.changes["date"] == "2027-12-24"


def test_a_past_closure_day_cannot_be_removed(browser, policy):
    past = in_tenant(policy, lambda: ClosureDay.objects.create(date=date(2026, 4, 7), reason="Past training"))
    page = text(browser.get("/settings/closure-days/"))
    assert "Past closure days (1)" in page
    response = browser.post(f"/settings/closure-days/{past.pk}/remove/", follow=True)
    assert "cannot be removed" in text(response)
    assert in_tenant(policy, ClosureDay.objects.exists)
    assert not audit_events(policy, action="closure_day.removed")


def test_another_tenants_closure_day_cannot_be_removed(browser, tenant_b):
    theirs = in_tenant(tenant_b, lambda: ClosureDay.objects.create(date=date(2027, 12, 24), reason="Theirs"))
    assert browser.post(f"/settings/closure-days/{theirs.pk}/remove/").status_code == 404
    assert in_tenant(tenant_b, ClosureDay.objects.exists)


def test_removing_needs_a_post(browser, policy):
    browser.post("/settings/closure-days/", closure_form())
    closure = in_tenant(policy, ClosureDay.objects.get)
    assert browser.get(f"/settings/closure-days/{closure.pk}/remove/").status_code == 405


# --- the rating scheme ----------------------------------------------------------------------------


def rating_form(**change):
    form = {
        "label": "Red",
        "colour": "red",
        "description": "Potential child-protection issue. Immediate action.",
        "examples": "Serious injury to a child.",
        "order": "1",
        "agencies_asked": "all",
        "return_amount": "4",
        "return_unit": "clock_hours",
        "immediate": "on",
        "cpis_check_required": "on",  # Red: a CP-IS check before the decision (issue 19)
        "active": "on",
    }
    form.update(change)
    return {k: v for k, v in form.items() if v is not None}


def test_the_ratings_page_shows_each_rating_with_its_colour_word(browser):
    response = browser.get("/settings/ratings/")
    body = response.content.decode()
    assert re.search(r'govuk-tag--red">\s*Red\s*<', body)
    assert re.search(r'govuk-tag--orange">\s*Amber\s*<', body)
    assert re.search(r'govuk-tag--blue">\s*Blue\s*<', body)
    page = text(response)
    assert "4 clock hours" in page
    assert "24 clock hours" in page
    assert "Selected agencies" in page


def test_the_rating_form_shows_what_is_saved(browser):
    body = browser.get("/settings/ratings/green/").content.decode()
    assert 'value="Green"' in body
    assert 'value="24"' in body
    assert re.search(r'value="selected"\s+checked', body)
    assert re.search(r'value="clock_hours"\s+checked', body)
    assert "code" in text(browser.get("/settings/ratings/green/")).lower()


def test_the_rating_form_shows_round_amounts_as_typed(browser, policy):
    in_tenant(policy, lambda: Rating.objects.filter(code="green").update(return_amount=Decimal("100.00")))
    body = browser.get("/settings/ratings/green/").content.decode()
    assert 'value="100"' in body
    assert "100 clock hours" in text(browser.get("/settings/ratings/"))


def test_admin_changes_a_rating_on_the_page_and_it_is_audited(browser, policy, admin):
    response = browser.post(
        "/settings/ratings/red/", rating_form(return_amount="1.5", return_unit="working_days"), follow=True
    )
    assert "Rating Red saved" in text(response)
    assert "1.5 working days" in text(response)
    red = in_tenant(policy, lambda: Rating.objects.get(code="red"))
    assert (red.return_amount, red.return_unit) == (Decimal("1.5"), "working_days")
    [event] = audit_events(policy, action="rating.changed")
    assert event.actor == admin
    assert set(event.changes) == {"return_amount", "return_unit"}


def test_a_rating_that_asks_no_agencies_drops_its_deadline(browser, policy):
    browser.post("/settings/ratings/green/", rating_form(label="Green", colour="green", agencies_asked="none"))
    green = in_tenant(policy, lambda: Rating.objects.get(code="green"))
    assert (green.agencies_asked, green.return_amount, green.return_unit) == ("none", None, "")


@pytest.mark.parametrize(
    ("change", "message", "field_id"),
    [
        ({"return_amount": ""}, "Enter how long agencies have to return information", "id_return_amount"),
        ({"return_amount": "0"}, "The return deadline must be more than 0", "id_return_amount"),
        ({"return_amount": "-4"}, "The return deadline must be more than 0", "id_return_amount"),
        ({"return_amount": "four"}, "Enter the return deadline as a number, like 4 or 1.5", "id_return_amount"),
        ({"return_unit": None}, "Select the unit of the return deadline", "id_return_unit_0"),
        ({"return_unit": "fortnights"}, "Select clock hours, working hours or working days", "id_return_unit_0"),
        ({"label": ""}, "Enter the rating's name", "id_label"),
        ({"colour": "pink"}, "Select one of the colours", "id_colour_0"),
        ({"order": "first"}, "Enter the position as a whole number, like 1", "id_order"),
        ({"agencies_asked": None}, "Select which agencies are asked for information", "id_agencies_asked_0"),
    ],
)
def test_the_rating_form_rejects_bad_input_and_keeps_what_was_saved(browser, policy, change, message, field_id):
    response = browser.post("/settings/ratings/red/", rating_form(**change))
    assert_rejected(response, message, field_id)
    red = in_tenant(policy, lambda: Rating.objects.get(code="red"))
    assert (red.label, red.return_amount, red.return_unit) == ("Red", Decimal(4), "clock_hours")
    assert not audit_events(policy, action="rating.changed")


def test_the_last_active_rating_cannot_be_retired_on_the_page(browser, policy):
    in_tenant(policy, lambda: Rating.objects.exclude(code="red").update(active=False))
    response = browser.post("/settings/ratings/red/", rating_form(active=None))
    assert_rejected(response, "Keep at least one rating active", "id_active")
    assert in_tenant(policy, lambda: Rating.objects.get(code="red").active)


def test_another_tenants_rating_is_not_found(browser, tenant_b):
    in_tenant(tenant_b, lambda: Rating.objects.create(code="only-b", label="B", colour="grey", agencies_asked="none"))
    assert browser.get("/settings/ratings/only-b/").status_code == 404
    assert browser.post("/settings/ratings/only-b/", rating_form()).status_code == 404
    # Both tenants have "red": the admin's own is changed.
    browser.post("/settings/ratings/red/", rating_form(label="Alpha red"))
    assert in_tenant(tenant_b, lambda: Rating.objects.get(code="red").label) == "Red"


# --- clocks ---------------------------------------------------------------------------------------


def test_the_clocks_page_lists_each_clock_with_its_length_and_warning(browser):
    page = text(browser.get("/settings/clocks/"))
    assert "Decision on next steps 1 working day, warning at 75% of the time" in page
    assert "Early Help Hub review 48 clock hours" in page
    assert "Feedback to the referrer" in page
    assert "Early Help Plan review 30 working days" in page
    assert "Navigator information return Set by each rating" in page


def test_admin_changes_a_clock_and_it_is_audited(browser, policy, admin):
    response = browser.post(
        "/settings/clocks/early_help_review/",
        {"amount": "2", "unit": "working_days", "warn_percent": "80"},
        follow=True,
    )
    assert "Early Help Hub review clock saved" in text(response)
    assert "2 working days, warning at 80% of the time" in text(response)
    policy_row = in_tenant(policy, lambda: ClockPolicy.objects.get(kind="early_help_review"))
    assert (policy_row.amount, policy_row.unit, policy_row.warn_fraction) == (
        Decimal(2),
        "working_days",
        Decimal("0.80"),
    )
    [event] = audit_events(policy, action="clock_policy.changed")
    assert event.actor == admin
    assert set(event.changes) == {"amount", "unit", "warn_fraction"}


@pytest.mark.parametrize(
    ("change", "message", "field_id"),
    [
        ({"amount": ""}, "Enter how long this clock runs", "id_amount"),
        ({"amount": "0"}, "The length must be more than 0", "id_amount"),
        ({"amount": "1.234"}, "Enter the length with at most 2 decimal places", "id_amount"),
        ({"unit": "weeks"}, "Select clock hours, working hours or working days", "id_unit_0"),
        ({"warn_percent": "100"}, "Enter a warning point of 99% or less", "id_warn_percent"),
        ({"warn_percent": "2"}, "Enter a warning point of 5% or more", "id_warn_percent"),
        ({"warn_percent": "75.5"}, "Enter the warning point as a whole number, like 75", "id_warn_percent"),
    ],
)
def test_the_clock_form_rejects_bad_input_and_keeps_what_was_saved(browser, policy, change, message, field_id):
    form = {"amount": "1", "unit": "working_days", "warn_percent": "50", **change}
    response = browser.post("/settings/clocks/decision/", form)
    assert_rejected(response, message, field_id)
    decision = in_tenant(policy, lambda: ClockPolicy.objects.get(kind="decision"))
    assert (decision.amount, decision.unit, decision.warn_fraction) == (Decimal(1), "working_days", Decimal("0.75"))
    assert not audit_events(policy, action="clock_policy.changed")


@pytest.mark.parametrize("kind", ["navigator_return", "bedtime"])
def test_clocks_not_set_here_are_not_found(browser, kind):
    assert browser.get(f"/settings/clocks/{kind}/").status_code == 404


# --- the threshold document -----------------------------------------------------------------------


def level(tenant, number):
    return in_tenant(tenant, lambda: ThresholdLevel.objects.get(number=number))


def test_admin_adds_an_indicator_and_it_is_audited(browser, policy, admin):
    response = browser.post(
        "/settings/thresholds/levels/2/indicators/add/",
        {"domain": "family", "text": "Parent recently bereaved"},
        follow=True,
    )
    assert "Indicator added to level 2" in text(response)
    assert "Parent recently bereaved" in text(response)
    # The level is loaded with the indicator, in the tenant: outside it, row-level security hides it.
    added = in_tenant(
        policy, lambda: ThresholdIndicator.objects.select_related("level").get(text="Parent recently bereaved")
    )
    assert (added.level.number, added.domain) == (2, "family")
    [event] = audit_events(policy, action="threshold_indicator.added")
    assert event.actor == admin
    assert event.changes == {"level": 2, "domain": "family", "text": "Parent recently bereaved"}


def test_admin_changes_an_indicator_and_it_is_audited(browser, policy):
    indicator = in_tenant(policy, lambda: ThresholdIndicator.objects.filter(level__number=4).first())
    response = browser.post(
        f"/settings/thresholds/indicators/{indicator.pk}/", {"domain": "parenting", "text": "Reworded indicator"}
    )
    assert response.status_code == 302
    indicator = in_tenant(policy, lambda: ThresholdIndicator.objects.get(pk=indicator.pk))
    assert (indicator.domain, indicator.text) == ("parenting", "Reworded indicator")
    [event] = audit_events(policy, action="threshold_indicator.changed")
    assert event.changes["text"][1] == "Reworded indicator"
    assert "domain" in event.changes


def test_admin_removes_an_indicator_after_confirming_and_it_is_audited(browser, policy):
    indicator = in_tenant(policy, lambda: ThresholdIndicator.objects.filter(level__number=1).first())
    confirm = browser.get(f"/settings/thresholds/indicators/{indicator.pk}/remove/")
    assert "Remove this indicator?" in text(confirm)
    assert indicator.text in text(confirm)
    browser.post(f"/settings/thresholds/indicators/{indicator.pk}/remove/")
    assert not in_tenant(policy, lambda: ThresholdIndicator.objects.filter(pk=indicator.pk).exists())
    [event] = audit_events(policy, action="threshold_indicator.removed")
    assert event.changes["text"] == indicator.text


def test_admin_renames_a_level_and_it_is_audited(browser, policy):
    browser.post("/settings/thresholds/levels/3/", {"name": "Targeted help", "description": "Needs are complex."})
    assert level(policy, 3).name == "Targeted help"
    [event] = audit_events(policy, action="threshold_level.changed")
    assert set(event.changes) == {"name", "description"}


@pytest.mark.parametrize(
    ("form", "message", "field_id"),
    [
        ({"domain": "family", "text": ""}, "Enter the indicator", "id_text"),
        ({"domain": "family", "text": "x" * 301}, "Enter an indicator of 300 characters or fewer", "id_text"),
        ({"text": "Something new"}, "Select the domain of need", "id_domain_0"),
        ({"domain": "schooling", "text": "Something new"}, "Select a domain of need", "id_domain_0"),
        (
            {"domain": "family", "text": "young carers"},
            "Level 2 already lists this indicator under family and environmental factors.",
            "id_text",
        ),
    ],
)
def test_the_indicator_form_rejects_bad_input(browser, policy, form, message, field_id):
    before = in_tenant(policy, ThresholdIndicator.objects.count)
    response = browser.post("/settings/thresholds/levels/2/indicators/add/", form)
    assert_rejected(response, message, field_id)
    assert in_tenant(policy, ThresholdIndicator.objects.count) == before
    assert not audit_events(policy, action="threshold_indicator.added")


def test_the_level_form_rejects_an_empty_name(browser, policy):
    response = browser.post("/settings/thresholds/levels/3/", {"name": "", "description": "Kept"})
    assert_rejected(response, "Enter the level's name", "id_name")
    assert level(policy, 3).name == "Multi-agency Early Help"


def test_another_tenants_threshold_document_is_not_found(browser, tenant_b):
    theirs = in_tenant(tenant_b, lambda: ThresholdIndicator.objects.first())
    assert browser.get(f"/settings/thresholds/indicators/{theirs.pk}/").status_code == 404
    assert browser.post(f"/settings/thresholds/indicators/{theirs.pk}/remove/").status_code == 404
    assert in_tenant(tenant_b, lambda: ThresholdIndicator.objects.filter(pk=theirs.pk).exists())
    assert browser.get("/settings/thresholds/levels/9/").status_code == 404


def test_a_tenant_without_saved_policy_can_save_its_first_calendar_and_clock(client, tenant_b, make_user):
    # tenant_b here has no seeded policy: the pages show defaults and the first save creates the rows.
    client.force_login(make_user(tenant_b, Role.ADMIN))
    assert "09:00 to 17:00" in text(client.get("/settings/"))
    assert client.post("/settings/calendar/", GOOD_CALENDAR).status_code == 302
    assert (
        client.post(
            "/settings/clocks/decision/", {"amount": "1", "unit": "working_days", "warn_percent": "60"}
        ).status_code
        == 302
    )
    assert in_tenant(tenant_b, lambda: CalendarSettings.objects.get().nation) == "WLS"
    assert in_tenant(tenant_b, lambda: ClockPolicy.objects.get(kind="decision").warn_fraction) == Decimal("0.60")
    assert {e.action for e in audit_events(tenant_b)} == {
        "calendar.changed",
        "clock_policy.changed",
    }
