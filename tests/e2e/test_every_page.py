"""Every page of every role, in the browser at 1280 and at 390 pixels wide: axe-core finds no violation of
any impact, nothing scrolls sideways, no text falls back from the GOV.UK typeface, every tag is in a colour
GOV.UK Frontend has, staff see the caseworking layout and referrers and the public the GOV.UK column, and the
browser reports no console error and no script error.

The pages come from the URL resolver (tests/crawl.py), with a real row behind every path parameter,
so a new page is visited without anyone remembering. A role's pages are the patterns that answer it 200
with an HTML document: API routes, downloads (PDF, CSV), htmx fragments and POST-only routes are not
pages. One test per group of roles (pytest-xdist spreads them): the world is built once per group, each
role signs in once, in its own browser context (its session cookie goes into the browser), and each page
is loaded once and checked at both widths (the viewport is resized between the two checks; pages load
alternately at either width).

Every role's every page is about 220 page loads and 440 axe runs: ten minutes of the suite's budget of
twelve. So ``bin/test`` runs ``test_every_page_once...``: one test, one world, every page pattern any role
can open, visited once, by the first role in ``ONCE_ORDER`` that can open it, and every role's own home
(its header and menu); the roles differ by what they may open, not by how a page is built. The whole
every-role crawl runs with ``MASH_EVERY_ROLE_CRAWL=1`` (before a release, or after changing the layout).
"""

import os
import re

import pytest
from django.conf import settings
from django.test import Client

from mash.roles import Role
from tests.crawl import ANONYMOUS, ROLES, build_world, patterns
from tests.e2e.conftest import ALL_IMPACTS, AxeAuditor

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
HEIGHT = 900
# Signing out would end the session the crawl runs in (its own journey tests it).
NOT_VISITED = {"logout"}


@pytest.fixture
def world(transactional_db, tenant_a, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # strength is not under test
    return build_world(tenant_a, make_user)


# Staff work in the caseworking layout (staff_base.html: the MoJ header, the full width); referrers and the public
# in the GOV.UK column (base.html). A page that picks its own base leaves staff between two headers as they move
# (the people pages and the staff accounts did). A print view is the document alone, in neither.
STAFF_ROLES = set(ROLES) - {Role.REFERRER, ANONYMOUS}
STAFF_HEADER = 'class="moj-header '


# The public's report form is the public's page whoever opens it.
PUBLIC_PAGES = ("/contacts/report/",)


def layout_problem(role, path: str, html: str) -> str | None:
    """What is wrong with the layout ``role`` was given on ``path``, if anything."""
    if path.endswith("/print/"):
        return None
    if path.startswith(PUBLIC_PAGES):
        role = ANONYMOUS
    staff_layout = STAFF_HEADER in html
    if role in STAFF_ROLES and not staff_layout:
        return f"{role} {path}: a staff page in the public layout (extend layout_template or staff_base.html)"
    if role not in STAFF_ROLES and staff_layout:
        return f"{role} {path}: a referrer's or the public's page in the staff layout"
    return None


def pages_of(world, client, role, wanted=None, problems=None) -> list[tuple[str, str]]:
    """(pattern name, path) of every page the role can open: 200, and a whole HTML document (not a fragment).
    ``wanted(name)``, when given, picks the patterns worth asking about (the others are not requested). Each page's
    layout is checked on the way (:func:`layout_problem`); what is wrong goes into ``problems``."""
    paths = []
    for pattern in patterns():
        if pattern.route.startswith("api/") or pattern.name in NOT_VISITED:
            continue
        if wanted is not None and not wanted(pattern.name):
            continue
        path = world.path(pattern, role)
        response = client.get(path)
        if response.status_code != 200 or response.streaming:
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        if b"<html" not in response.content[:1000].lower():
            continue  # an htmx fragment, swapped into a page that is visited itself
        if problems is not None and (wrong := layout_problem(role, path, response.content.decode())):
            problems.append(wrong)
        paths.append((pattern.name, path))
    return paths


# Text set in anything but the GOV.UK typeface: GOV.UK Frontend gives it through its classes only, so text in an
# element of our own with no such class fell back to the browser's serif (the contact page's identity bar did).
# Each as "<tag>.<class>: its words"; code and preformatted text may be monospaced.
OFF_TYPEFACE = """() => {
  const off = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element || element.closest('code, pre, kbd, samp, script, style')) continue;
    if (!element.getClientRects().length || element.closest('.govuk-visually-hidden')) continue;  // not shown
    if (!getComputedStyle(element).fontFamily.startsWith('"GDS Transport"')) {
      off.add(`${element.tagName.toLowerCase()}.${element.className}: ${node.textContent.trim().slice(0, 30)}`);
    }
  }
  return [...off].slice(0, 5);
}"""

# A GOV.UK tag's colour is a modifier class; one GOV.UK Frontend does not have (an "amber" rating's colour
# written straight into "govuk-tag--amber") leaves the tag in the default blue, a rating in the wrong colour.
# "blue" is allowed: GOV.UK's tags are blue by default, so it shows as its name says.
TAG_COLOURS = set(
    re.findall(
        r"govuk-tag--([a-z-]+)",
        (settings.BASE_DIR / "node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css").read_text(),
    )
) | {"blue"}
TAG_MODIFIERS = """() => [...new Set([...document.querySelectorAll('[class*="govuk-tag--"]')].flatMap(
  e => [...e.classList].filter(c => c.startsWith('govuk-tag--')).map(c => c.slice('govuk-tag--'.length))))]"""

# A tag broken over two lines on a desktop (GOV.UK Frontend caps a tag at 160 px, so "Received out of hours" and
# "Open Early Help Plan" stacked into a box): its words, for tags a line and a half tall or more.
WRAPPED_TAGS = """() => [...document.querySelectorAll('.govuk-tag')].filter(e => {
  if (!e.getClientRects().length) return false;
  const style = getComputedStyle(e);
  return e.getBoundingClientRect().height >= 1.5 * parseFloat(style.lineHeight) + parseFloat(style.paddingTop)
    + parseFloat(style.paddingBottom);
}).map(e => e.textContent.trim().replace(/\\s+/g, ' ')).slice(0, 5)"""


def _sideways(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


# The roles, in groups of about the same number of pages (50 to 60 each), so that bin/test's four processes
# share the crawl evenly while the world is built four times, not ten.
GROUPS = [
    (Role.ADMIN, ANONYMOUS),
    (Role.MANAGER, Role.EDT, Role.NAVIGATOR),
    (Role.TRIAGE, Role.EHCOORD),
    (Role.HEAD, Role.REFERRER, Role.AGENCY_LEAD),
]
assert sorted(role for group in GROUPS for role in group) == sorted(ROLES), "every role is in one group"


EVERY_ROLE = os.environ.get("MASH_EVERY_ROLE_CRAWL") == "1"
# The once-only crawl's order: the widest readers first, so most patterns are seen as the role that uses them.
ONCE_ORDER = [Role.TRIAGE, Role.MANAGER, Role.ADMIN, Role.EHCOORD, Role.NAVIGATOR, Role.AGENCY_LEAD, Role.HEAD,
              Role.EDT, Role.REFERRER, ANONYMOUS]  # fmt: skip
assert sorted(ONCE_ORDER) == sorted(ROLES), "every role is in the once-only order"
HOMES = {"home", "role-home"}
# Forms that open only at one stage of a case (elsewhere they send the worker back with the reason): the world has a
# row at each stage, and the crawl must have opened them, or a layout defect in them would go unseen.
STAGE_FORMS = {"triage:strategy-discussion", "earlyhelp:outcome", "earlyhelp:plan", "earlyhelp:action-add",
               "earlyhelp:close", "earlyhelp:review", "earlyhelp:call", "earlyhelp:consent"}  # fmt: skip


def test_every_page_once_passes_axe_fits_and_logs_no_error_at_1280_and_390(browser, live_server, world):
    seen: set[str] = set()

    def unseen(name):  # a pattern an earlier role has opened is not asked for again (most of them)
        return name not in seen or name in HOMES

    problems = []
    for role in ONCE_ORDER:
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        try:
            problems += crawl_as(role, context, live_server, world, wanted=unseen, opened=seen)
        finally:
            context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert STAGE_FORMS <= seen, f"not opened: {sorted(STAGE_FORMS - seen)}"


@pytest.mark.skipif(not EVERY_ROLE, reason="ten minutes: MASH_EVERY_ROLE_CRAWL=1 runs every page as every role")
@pytest.mark.parametrize("roles", GROUPS, ids=["-".join(group) for group in GROUPS])
def test_every_page_passes_axe_fits_and_logs_no_error_at_1280_and_390(browser, live_server, world, roles):
    problems = []
    for role in roles:
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        try:
            problems += crawl_as(role, context, live_server, world)
        finally:
            context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def crawl_as(role, context, live_server, world, wanted=None, opened=None) -> list[str]:
    """Every page of one role (those ``wanted`` picks), in one browser context signed in as that role: what is
    wrong with them. The names of the patterns visited are added to ``opened``."""
    client = Client()
    context.set_default_timeout(15_000)
    if role != ANONYMOUS:
        client.force_login(world.users[role])  # with the second factor completed (tests/conftest.py)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
              "url": live_server.url}]
        )  # fmt: skip
    problems = []
    pages = pages_of(world, client, role, wanted, problems)
    # Every role opens more than one page; asked only for pages others have not opened, at least its home.
    enough = 2 if wanted is None else 1
    if len(pages) < enough:
        problems.append(f"{role}: only {pages} found to visit")
    if opened is not None:
        opened.update(name for name, _ in pages)
    paths = [path for _, path in pages]

    page = context.new_page()
    axe = AxeAuditor(page)
    axe.install()
    axe.failing_impacts = ALL_IMPACTS
    console = []
    page.on("console", lambda m: console.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: console.append(f"script error: {error}"))
    widths = list(WIDTHS)
    page.set_viewport_size({"width": widths[0], "height": HEIGHT})
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        if response.status != 200 or page.url != f"{live_server.url}{path}":
            problems.append(f"{role} {path}: {response.status} at {page.url} in the browser")
            continue
        for i, width in enumerate(widths):
            if i:
                page.set_viewport_size({"width": width, "height": HEIGHT})
            found = axe.check_again() if i else axe.check()
            problems += [
                f"{role} {path} at {width}px: axe {v['id']} ({v['impact']}) {v['help']} -- "
                f"{', '.join(v['targets'][:4])}"
                for v in found
            ]
            if (sideways := _sideways(page)) > 0:
                problems.append(f"{role} {path} at {width}px: scrolls sideways by {sideways}px")
            if not i and (off := page.evaluate(OFF_TYPEFACE)):
                problems.append(f"{role} {path}: text not in the GOV.UK typeface: {off}")
            if width == 1280 and (wrapped := page.evaluate(WRAPPED_TAGS)):
                problems.append(f"{role} {path}: tags broken over two lines at {width}px: {wrapped}")
            if not i and (unstyled := sorted(set(page.evaluate(TAG_MODIFIERS)) - TAG_COLOURS)):
                problems.append(f"{role} {path}: tags in a colour GOV.UK Frontend does not have: {unstyled}")
        problems += [f"{role} {path}: {message}" for message in console]
        console.clear()
        widths.reverse()  # the next page loads at the width this one ended on
    axe.take()  # reported above, with the width
    try:
        axe.finish()  # pages axe could not run on, or left unchecked
    except AssertionError as failure:
        problems.append(f"{role}: {failure}")
    return problems
