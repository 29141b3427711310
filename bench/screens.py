"""Screenshots of each demo role's main pages, for docs/screens/ (a reviewer sees the product without running it).

    bin/screens                  (or: .venv/bin/python -m bench.screens [--out docs/screens])

Runs against its own PostgreSQL database (``mash_screens`` on the server ``DATABASE_URL`` names, or
``SCREENS_DATABASE_URL``), dropped and created afresh each run, so the pictures are the same from one run
to the next but for dates and references. It seeds the demo tenants (``seed_demo``); Cambridgeshire gets
the populated world of the browser crawl (tests/crawl.py: contacts, information requests and a
return, a case note, an early-help request with its plan) and a day's worth of open contacts. A live
server serves the product; Debian's chromium signs in as each demo role through the sign-in page (password, then
authenticator code) and saves full-page PNGs at 1280 pixels wide (a few at 390), then docs/screens/README.md
lists them. Needs chromium (``bin/setup --browser``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from bench.common import setup_django  # noqa: E402 - needs the root on the path first

TENANT = "cambridgeshire"
CHROMIUM = "/usr/bin/chromium"
HEIGHT = 900
MAX_HEIGHT = 2000  # a very long page is cut here: the top of a page is what a reviewer needs
# Children of the day's open contacts: the queue reads as a working day, not one child many times.
CHILDREN = [
    ("Maya", "Okafor", "2015-03-11"), ("Jayden", "Price", "2019-07-30"), ("Amelia", "Nowak", "2012-01-05"),
    ("Tyler", "Bennett", "2010-11-19"), ("Ruby", "Hussain", "2021-02-14"), ("Oscar", "Lewis", "2008-06-02"),
    ("Isla", "Murphy", "2017-09-23"), ("Noah", "Kowalski", "2014-04-17"), ("Freya", "Ahmed", "2020-12-01"),
    ("Harvey", "Jones", "2011-08-08"), ("Poppy", "Clarke", "2016-05-27"), ("Ethan", "Singh", "2009-10-12"),
]  # fmt: skip


def scratch_database_url() -> str:
    url = os.environ.get("SCREENS_DATABASE_URL")
    if url:
        return url
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash")
    return base.rsplit("/", 1)[0] + "/mash_screens"


def recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed():
    """Cambridgeshire populated as the crawl's world, whose users are the demo users, then the demo tenants."""
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from mash.demo import DEMO_TENANTS
    from mash.models import Tenant
    from mash.roles import Role
    from mash.signals import ensure_role_groups
    from tests.contacts.builders import make_contact
    from tests.crawl import build_world
    from tests.factories import UserFactory

    setup_test_environment()  # e-mails kept in memory (mail.outbox), never sent
    demo = next(d for d in DEMO_TENANTS if d.slug == TENANT)
    tenant = Tenant.objects.create(slug=demo.slug, name=demo.name, reference_prefix=demo.reference_prefix)
    ensure_role_groups()
    suffix = {Role.NAVIGATOR: "nav-police", Role.AGENCY_LEAD: "lead-police"}

    def demo_user(tenant, role, username, agency=None):
        # The world asks for one user per role: it gets the demo user of that role (seed_demo completes them).
        return UserFactory(tenant=tenant, role=role, username=f"{TENANT}-{suffix.get(role, role)}", agency=agency)

    world = build_world(tenant, demo_user)
    call_command("seed_demo", verbosity=0)
    for first, last, born in CHILDREN:
        make_contact(
            tenant, f"screens-{first}",
            children=[{"first_name": first, "last_name": last, "date_of_birth": born, "postcode": "CB4 1AA"}],
        )  # fmt: skip
    from reporting.services import rebuild

    for each in Tenant.objects.all():  # the dashboard's figures, as the worker leaves them (none runs here)
        rebuild(tenant=each)
    return world


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    args = parser.parse_args(argv)
    url = scratch_database_url()
    recreate(url)
    setup_django(url)
    world = seed()
    shoot(Path(args.out), world)


def shoot(out: Path, world):
    from django.urls import reverse
    from playwright.sync_api import sync_playwright
    from pytest_django.live_server_helper import LiveServer

    from mash.roles import Role

    server = LiveServer("localhost:0")
    shots = []
    plan = screens(world, reverse)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for role, pages in plan:
                context = browser.new_context(
                    locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": HEIGHT}
                )
                page = context.new_page()
                if role is not None:
                    sign_in(page, server.url, world.users[role])
                for name, path, title, widths in pages:
                    for width in widths:
                        page.set_viewport_size({"width": width, "height": HEIGHT})
                        page.goto(f"{server.url}{path}")  # waits for the load event: scripts and charts have run
                        file = f"{name}-{width}.png"
                        height = min(MAX_HEIGHT, page.evaluate("() => document.documentElement.scrollHeight"))
                        page.screenshot(
                            path=out / file, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
                        )
                        label = Role(role).label if role else "Not signed in"
                        shots.append((file, label, title, width, path))
                        print(f"screens: {file}  {label}: {title}")
                context.close()
            browser.close()
    finally:
        server.stop()
    write_readme(out, shots)


def sign_in(page, url, user):
    """Through the sign-in page, as the demo user does: password, then the code of their authenticator app."""
    from django.conf import settings
    from django_otp.oath import totp

    from mash.security import mfa

    device = mfa.ensure_confirmed_device(user) if mfa.required_for(user) else None  # set up, as on first sign-in
    page.goto(f"{url}/sign-in/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    if device is not None and "/security/two-factor/verify/" in page.url:
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.get_by_label("Security code").fill(f"{code:0{device.digits}d}")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def screens(world, reverse):
    """(role, [(file name, path, title, widths)]) for each demo role: its main pages."""
    from mash.roles import Role

    def row(name, route):  # the path of the world's row behind a pattern (its contact, its request...)
        return world.path(SimpleNamespace(params=["pk"], route=route, name=name), None)

    both, wide = (1280, 390), (1280,)
    request, early_help = row("navigators:request", "navigators/requests/"), row("earlyhelp:request", "early-help/")
    contact, decision = row("triage:contact", "triage/contacts/"), row("triage:decide", "triage/contacts/")
    person = row("people:person", "people/")
    harm = row("triage:strategy-discussion", "triage/contacts/<int:pk>/strategy-discussion/")
    outcome = row("earlyhelp:outcome", "early-help/<int:pk>/outcome/")
    return [
        (None, [
            ("sign-in", reverse("login"), "Sign in", both),
            ("public-report", reverse("contacts:public-report", args=[world.tenant.slug]),
             "Report a concern about a child (public form)", wide),
        ]),
        (Role.REFERRER, [
            ("referrer-home", reverse("home"), "Referrer's home", wide),
            ("referrer-referral", reverse("contacts:marf-start"), "Make a referral (first step)", both),
            ("referrer-my-contacts", reverse("contacts:mine"), "Referrals I have made", wide),
        ]),
        (Role.TRIAGE, [
            ("triage-queue", reverse("triage:queue"), "Triage queue (the worklist)", both),
            ("triage-contact", contact, "A contact: identity bar, requests, timeline", both),
            ("triage-contacts", reverse("contacts:list"), "All contacts", wide),
            ("triage-notifications", reverse("notifications"), "Notifications", wide),
            ("triage-person", person, "A child's record (the register entry and chronology)", both),
            ("triage-people-search", reverse("people:search") + "?q=Hart", "Searching the register", wide),
        ]),
        (Role.MANAGER, [
            ("manager-decision", decision, "The decision page (managers decide)", wide),
            ("manager-dashboard", reverse("reporting:dashboard"), "Dashboard", wide),
            ("manager-consultations", reverse("triage:consultations"), "Consultations", wide),
            ("manager-strategy-discussion", harm, "Strategy discussion (significant harm)", wide),
        ]),
        (Role.EHCOORD, [
            ("ehcoord-queue", reverse("earlyhelp:queue"), "Early-help queue", both),
            ("ehcoord-request", early_help, "An early-help request", wide),
            ("ehcoord-outcome", outcome, "Recording an early-help outcome", wide),
        ]),
        (Role.NAVIGATOR, [
            ("navigator-workspace", reverse("navigators:workspace"), "Navigator's workspace (police)", both),
            ("navigator-request", request, "An information request and its return", wide),
        ]),
        (Role.AGENCY_LEAD, [("agency-lead-settings", reverse("navigators:settings"), "Agency lead's settings", wide)]),
        (Role.HEAD, [
            ("head-audit", reverse("security:audit"), "Audit log", wide),
            ("head-dashboard", reverse("reporting:dashboard"), "Dashboard (head of service)", wide),
        ]),
        (Role.ADMIN, [
            ("admin-settings", reverse("thresholds:settings"), "Settings", wide),
            ("admin-users", reverse("accounts:list"), "Users", wide),
        ]),
        (Role.EDT, [("edt-queue", reverse("triage:edt-queue"), "Out-of-hours queue", wide)]),
    ]  # fmt: skip


def write_readme(out: Path, shots):
    lines = [
        "# Screens",
        "",
        "Each demo role's main pages, as Chromium shows them at 1280 pixels wide (and a few at 390), with the",
        "demo data of `bin/screens` (Cambridgeshire, populated as the browser crawl's world). Long pages are cut",
        f"at {MAX_HEIGHT} pixels. Regenerate them all with:",
        "",
        "    bin/screens",
        "",
        "| Screen | Role | Page | Width |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [{file}]({file}) | {label} | {title} (`{path}`) | {width} px |" for file, label, title, width, path in shots
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
