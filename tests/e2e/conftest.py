"""Browser-test harness: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Every document a journey visits is checked with axe-core, and the journey fails on any violation of
impact "serious" or "critical" (of any impact, once ``axe.failing_impacts = ALL_IMPACTS``). A document
is checked, once, at the first of:

* the first action or auto-waiting assertion on it (``click``, ``fill``, ``expect(...)``...): a Playwright
  locator handler matches any document not yet checked and runs axe before the action goes ahead;
* ``page.goto`` / ``go_back`` / ``go_forward`` / ``reload`` leaving it (the ``page`` fixture wraps them);
* the end of the test body (the page the journey ends on);
* ``axe.check()``, on demand (after an htmx swap, say).

A document that loaded but was never checked (left by a key press, say), or that axe could not run on,
fails the journey too: the harness never passes silently. A test that expects violations takes them
with ``axe.take()``. Stub pages with ``axe.serve(url_glob, html)``.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from mash.security import rls

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SOURCE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
UNCHECKED_SCHEMES = ("about:", "chrome:", "chrome-error:", "devtools:")

CHECKED_ATTRIBUTE = "data-mash-axe-checked"
_RUN_AXE = """
async () => {
  const results = await window.axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}
"""


class AxeAuditor:
    """Runs axe-core on every document of one browser page and collects serious and critical violations."""

    def __init__(self, page):
        self.page = page
        self.loaded: list[str] = []  # URLs of documents whose load event fired, in order
        self.checked: list[str] = []  # URLs of every document checked, in order
        self.violations: list[dict] = []  # serious/critical violations found, each with its "url"
        self.errors: list[str] = []  # pages axe could not run on
        self.failing_impacts = FAILING_IMPACTS  # ALL_IMPACTS for tests that hold pages to every rule
        self._source: str | None = None

    def install(self):
        page = self.page
        page.on("load", lambda p: self.loaded.append(p.url))
        # axe-core is in every document from its start, as an init script (DevTools' "evaluate on new document",
        # which the content-security policy does not apply to): a check then only runs it. Sending its half
        # a megabyte of source into each document at check time took a third of each check.
        page.add_init_script(self._axe_source())
        # Before any action or auto-waiting assertion on a document not yet checked, check it.
        page.add_locator_handler(page.locator(f"html:not([{CHECKED_ATTRIBUTE}])"), self.check, no_wait_after=True)
        # Navigations that no action starts: check the page being left first.
        for name in ("goto", "go_back", "go_forward", "reload"):
            setattr(page, name, self._checking_first(getattr(page, name)))

    def _checking_first(self, navigate):
        def wrapper(*args, **kwargs):
            self.check()
            return navigate(*args, **kwargs)

        wrapper.__doc__ = navigate.__doc__
        return wrapper

    # -- checking ---------------------------------------------------------------------------------
    def check(self, *_ignored) -> list[dict]:
        """Check the page's current document (once per document); return the violations it added."""
        frame = self.page.main_frame
        url = frame.url
        if not url or url.startswith(UNCHECKED_SCHEMES):
            return []
        try:
            if frame.evaluate(f"() => document.documentElement.hasAttribute('{CHECKED_ATTRIBUTE}')"):
                return []
            if not frame.evaluate("() => typeof window.axe !== 'undefined'"):  # a document made before install()
                # Evaluated, not added as a <script>: the content-security policy refuses inline scripts, and
                # the refusal would be a console error of the page's own.
                frame.evaluate(self._axe_source() + "\n;true")
            found = frame.evaluate(_RUN_AXE)
            frame.evaluate(f"() => document.documentElement.setAttribute('{CHECKED_ATTRIBUTE}', '')")
        except Exception as exc:  # noqa: BLE001 - reported as a failure of the journey, never swallowed
            message = f"{url}: axe could not run: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            if message not in self.errors:
                self.errors.append(message)
            return []
        self.checked.append(url)
        added = [dict(v, url=url) for v in found if v["impact"] in self.failing_impacts]
        self.violations.extend(added)
        return added

    def check_again(self) -> list[dict]:
        """Check the current document once more (after a change of viewport, say); return what it added."""
        self.page.main_frame.evaluate(f"() => document.documentElement.removeAttribute('{CHECKED_ATTRIBUTE}')")
        return self.check()

    def _axe_source(self) -> str:
        if self._source is None:
            if not AXE_SOURCE_PATH.exists():
                raise RuntimeError(f"{AXE_SOURCE_PATH} is missing; run bin/setup")
            self._source = AXE_SOURCE_PATH.read_text(encoding="utf-8")
        return self._source

    def serve(self, url, html, status=200):
        """Stub a page: answer requests for ``url`` (a glob) with ``html``."""
        self.page.route(
            url, lambda route: route.fulfill(status=status, content_type="text/html; charset=utf-8", body=html)
        )

    # -- results ----------------------------------------------------------------------------------
    def take(self) -> list[dict]:
        """Return the violations collected so far and forget them (for tests that expect violations)."""
        taken, self.violations = self.violations, []
        return taken

    def report(self) -> str:
        lines = [
            f"{v['url']}: {v['id']} ({v['impact']}) {v['help']} -- targets: {', '.join(v['targets'])}"
            for v in self.violations
        ]
        return "\n".join(lines + self.errors)

    def finish(self):
        """Check the page the journey ended on, then fail on anything collected or left unchecked."""
        try:
            self.page.wait_for_load_state("load", timeout=10_000)
        except Exception:  # noqa: BLE001 - a page that never finished loading is still checked below
            pass
        self.check()
        loaded = [url for url in self.loaded if not url.startswith(UNCHECKED_SCHEMES)]
        if len(loaded) > len(self.checked):
            self.errors.append(
                f"{len(loaded) - len(self.checked)} page(s) loaded but never checked (left without an action "
                f"or page.goto: call axe.check() first); loaded {loaded}, checked {self.checked}"
            )
        if self.violations or self.errors:
            report = self.report()
            self.errors = []
            raise AssertionError(
                "Accessibility check (axe-core) failed on pages of this journey "
                f"(serious or critical violations, or pages not checked):\n{report}"
            )


# -- browser fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        # Missing chromium fails the browser tests, unless skipping them was asked for (MASH_SKIP_BROWSER=1,
        # as bin/test documents); in CI they always run. `bin/test -m "not e2e"` never selects them.
        message = f"{CHROMIUM} is missing: run `bin/setup --browser` (Debian's chromium) for the browser tests"
        if os.environ.get("MASH_SKIP_BROWSER") == "1" and not os.environ.get("CI"):
            pytest.skip(f"{message}; skipped because MASH_SKIP_BROWSER=1")
        pytest.fail(f"{message}, or deselect them with -m 'not e2e' (or set MASH_SKIP_BROWSER=1 to skip them)")
    # One Playwright per process: tests/security's journeys use these fixtures too (their own conftest
    # imports them), and a second sync Playwright in the same thread is refused.
    if not _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _SHARED.update(
            playwright=playwright,
            browser=playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS),
            users=0,
        )
    _SHARED["users"] += 1
    yield _SHARED["browser"]
    _SHARED["users"] -= 1
    if not _SHARED["users"]:
        _SHARED["browser"].close()
        _SHARED["playwright"].stop()
        _SHARED.clear()


_SHARED: dict = {}


@pytest.fixture
def axe_auditors():
    """The auditors of this test's pages; the runtest hook below asserts on them after the test body."""
    return []


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, axe_auditors):
    page = browser_context.new_page()
    auditor = AxeAuditor(page)
    auditor.install()
    page.axe = auditor
    axe_auditors.append(auditor)
    return page


@pytest.fixture
def axe(page):
    """The page's axe auditor: ``check()`` on demand, ``take()`` expected violations, ``checked`` URLs."""
    return page.axe


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    # The test body passed: the page it ended on must pass the accessibility check as well.
    for auditor in item.funcargs.get("axe_auditors", None) or []:
        auditor.finish()
    return result


# -- data and helpers -----------------------------------------------------------------------------


@pytest.fixture
def demo_data(transactional_db, settings):
    """The demo tenants and users of ``seed_demo``, in a database the live server's thread can see.

    ``seed_demo`` runs once per test process (2.5 s, two thousand statements); each later test gets the same rows
    back from a copy of every table taken then (PostgreSQL's COPY, a tenth of a second). The tables were emptied
    after the previous test, as for any test with ``transactional_db``; the copy puts back exactly what the
    command wrote, ids included (sequences only move on, so new rows never collide with them)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # strength is not under test
    copied = connection.vendor == "postgresql" and _DEMO_ROWS.get("database") == connection.settings_dict["NAME"]
    if copied:
        _copy_in(_DEMO_ROWS["tables"])
        return
    call_command("seed_demo", stdout=io.StringIO())
    _figures_as_a_worker_leaves_them()
    if connection.vendor == "postgresql":
        _DEMO_ROWS.update(database=connection.settings_dict["NAME"], tables=_copy_out())


def _figures_as_a_worker_leaves_them() -> None:
    """The dashboard's figures of the demo records, as the worker's refresh after each commit makes them (no
    worker runs beside the live server): the copy is taken once, whichever test first asks for it."""
    from mash.models import Tenant
    from reporting.services import rebuild

    for tenant in Tenant.objects.all():
        rebuild(tenant=tenant)


_DEMO_ROWS: dict = {}  # per test process: the database's name, and each table's rows after seed_demo


def _copy_out() -> dict[str, bytes]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    rows = {}
    with rls.owner_mode(), connection.cursor() as cursor:
        for table in tables:
            with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                rows[table] = b"".join(bytes(chunk) for chunk in copy)
    return rows


def _copy_in(rows: dict[str, bytes]) -> None:
    from django.contrib.contenttypes.models import ContentType

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(), rls.owner_mode(), connection.cursor() as cursor:
        # What the flush after the last test left (content types and permissions, made again by post_migrate)
        # goes, and the copy comes back as it was written: constraints and triggers were satisfied then.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables))
        for table, data in rows.items():
            with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                copy.write(data)
    ContentType.objects.clear_cache()


def security_code(username) -> str | None:
    """The current code of the user's authenticator app, as their phone would show it; None when the
    user needs no second factor. Staff get a confirmed device here (set up once, as on first sign-in)."""
    from django_otp.oath import totp

    from mash.models import User
    from mash.security import mfa

    user = User.objects.filter(username=username).first()
    if user is None or not (mfa.required_for(user) or mfa.has_device(user)):
        return None
    import time

    device = mfa.ensure_confirmed_device(user)
    device.refresh_from_db()
    # A code is accepted once (django-otp remembers the last time step used): signing in again within
    # the same 30 seconds takes the next step's code, inside the device's tolerance of one step.
    while True:
        step = int(time.time() - device.t0) // device.step
        drift = max(0, device.last_t + 1 - step)
        if drift <= device.tolerance:
            break
        time.sleep(1)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:0{device.digits}d}"


def sign_in(page, live_server, username, password=None):
    """Sign in through the sign-in page as a demo user; returns the page, on wherever sign-in led.

    Staff then enter the security code from their authenticator app on the next page (mash.security).
    """
    page.goto(f"{live_server.url}/sign-in/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password if password is not None else settings.DEMO_PASSWORD)
    code = security_code(username)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    if code is not None and "/security/two-factor/verify/" in page.url:
        page.get_by_label("Security code").fill(code)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    return page
