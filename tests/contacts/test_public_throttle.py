"""The limit on public reports (mash.throttling): per client, per local authority, on accepted reports, shared
by the page and the API and by every web worker through Redis. A blocked member of the public is told whom to
call."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from contacts.models import Contact
from mash import tenancy
from mash.throttling import ACCEPTED_SCOPE, POSTS_SCOPE, PublicReportLimit
from tests.audit_helpers import audit_event
from thresholds.services import ensure_default_policy

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/contacts/report/{slug}/"
API = "/api/v1/public/{slug}/contacts/"
GOOD_PAGE = {"concerns": "Crying for hours every night", "child_first_name": "Mia"}
TYPO_PAGE = {"concerns": "Crying for hours every night", "child_first_name": "", "reporter_email": "not-an-email"}
GOOD_API = {"children": [{"first_name": "Mia"}], "concerns": "Left alone at night and cries for hours."}


@pytest.fixture
def limits(settings):
    def _set(accepted, posts=50):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {ACCEPTED_SCOPE: f"{accepted}/hour", POSTS_SCOPE: f"{posts}/hour"},
        }

    return _set


@pytest.fixture
def alpha(hub):
    tenant = hub["tenant"]
    tenant.mash_phone, tenant.out_of_hours_phone = "01632 960 555", "0808 157 0555"
    tenant.save()
    return tenant


@pytest.fixture
def beta(tenant_b):
    with tenancy.tenant_context(tenant_b):
        ensure_default_policy(tenant=tenant_b)
    return tenant_b


def page(slug="alpha", **client_kwargs):
    client = Client(**client_kwargs)
    return lambda data, **extra: client.post(PAGE.format(slug=slug), data, **extra)


def api(slug="alpha", **client_kwargs):
    client = APIClient(**client_kwargs)
    return lambda data, **extra: client.post(API.format(slug=slug), data, format="json", **extra)


def contacts_of(tenant):
    with tenancy.tenant_context(tenant):
        return Contact.objects.count()


def test_reading_the_page_never_counts(alpha, limits):
    limits(accepted=2, posts=3)
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(10):
        assert client.get(PAGE.format(slug="alpha")).status_code == 200
        assert client.get(API.format(slug="alpha")).status_code == 405
    post = page(REMOTE_ADDR="203.0.113.10")
    assert [post(GOOD_PAGE).status_code for _ in range(3)] == [302, 302, 429]


def test_a_typo_does_not_use_up_the_allowance(alpha, limits):
    limits(accepted=2)
    post_page, post_api = page(REMOTE_ADDR="203.0.113.11"), api(REMOTE_ADDR="203.0.113.11")
    for _ in range(3):
        refused = post_page(TYPO_PAGE)
        assert refused.status_code == 200 and "Enter the child&#x27;s first name" in refused.content.decode()
        assert post_api({**GOOD_API, "concerns": ""}).status_code == 400
    assert [post_page(GOOD_PAGE).status_code, post_api(GOOD_API).status_code] == [302, 201]
    assert post_page(GOOD_PAGE).status_code == 429
    assert contacts_of(alpha) == 2


def test_every_post_counts_towards_a_higher_ceiling(alpha, limits):
    limits(accepted=5, posts=4)
    post = page(REMOTE_ADDR="203.0.113.12")
    assert [post(TYPO_PAGE).status_code for _ in range(4)] == [200] * 4
    assert post(GOOD_PAGE).status_code == 429
    assert contacts_of(alpha) == 0


def test_the_page_and_the_api_share_one_allowance(alpha, limits):
    limits(accepted=2)
    assert page(REMOTE_ADDR="203.0.113.13")(GOOD_PAGE).status_code == 302
    assert api(REMOTE_ADDR="203.0.113.13")(GOOD_API).status_code == 201
    assert page(REMOTE_ADDR="203.0.113.13")(GOOD_PAGE).status_code == 429
    assert api(REMOTE_ADDR="203.0.113.13")(GOOD_API).status_code == 429
    assert contacts_of(alpha) == 2


def test_one_local_authoritys_reports_do_not_block_anothers(alpha, beta, limits):
    limits(accepted=1)
    assert api("alpha", REMOTE_ADDR="203.0.113.14")(GOOD_API).status_code == 201
    assert api("alpha", REMOTE_ADDR="203.0.113.14")(GOOD_API).status_code == 429
    assert api("beta", REMOTE_ADDR="203.0.113.14")(GOOD_API).status_code == 201
    assert page("beta", REMOTE_ADDR="203.0.113.14")(GOOD_PAGE).status_code == 429
    assert (contacts_of(alpha), contacts_of(beta)) == (1, 1)


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(alpha, limits, settings):
    settings.MASH_TRUSTED_PROXY_COUNT = 1
    limits(accepted=1)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the TLS proxy
    first = api(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.20")
    second = api(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.21")
    assert [first(GOOD_API).status_code, second(GOOD_API).status_code] == [201, 201]
    assert first(GOOD_API).status_code == 429
    # Inventing an earlier hop does not make a new client: the proxy's own entry is the right-most one.
    spoofed = api(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.20")
    assert spoofed(GOOD_API).status_code == 429
    assert page(**proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.21")(GOOD_PAGE).status_code == 429
    assert contacts_of(alpha) == 2


def test_without_a_trusted_proxy_forwarding_headers_are_ignored(alpha, limits):
    limits(accepted=1)
    assert api(REMOTE_ADDR="203.0.113.22")(GOOD_API).status_code == 201
    spoofed = api(REMOTE_ADDR="203.0.113.22", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert spoofed(GOOD_API).status_code == 429


def test_an_ipv6_client_is_counted_by_its_64_block(alpha, limits):
    limits(accepted=1)
    assert api(REMOTE_ADDR="2001:db8:1:2::1")(GOOD_API).status_code == 201
    assert api(REMOTE_ADDR="2001:db8:1:2:ffff::9")(GOOD_API).status_code == 429
    assert api(REMOTE_ADDR="2001:db8:1:3::1")(GOOD_API).status_code == 201


def test_the_blocked_page_says_whom_to_call_in_one_error_summary(alpha, limits):
    limits(accepted=1)
    post = page(REMOTE_ADDR="203.0.113.30")
    assert post(GOOD_PAGE).status_code == 302
    blocked = post({**TYPO_PAGE, "concerns": "Shouting and a crash next door"})
    html = blocked.content.decode()
    assert blocked.status_code == 429 and 0 < int(blocked["Retry-After"]) <= 3600
    assert html.count('class="govuk-error-summary"') == 1
    assert "Your report has not been sent" in html and "try again later, in about" in html
    assert "01632 960 555" in html and "0808 157 0555" in html and 'href="tel:01632960555"' in html
    assert "If a child is in immediate danger, call 999" in html
    # What they typed is still there to read out on the phone; it is not marked as wrong.
    assert "Shouting and a crash next door" in html and "Enter the child&#x27;s first name" not in html
    assert contacts_of(alpha) == 1


def test_a_failed_report_shows_the_numbers_too(alpha):
    html = page(REMOTE_ADDR="203.0.113.31")(TYPO_PAGE).content.decode()
    assert html.count('class="govuk-error-summary"') == 1
    assert "01632 960 555" in html and "0808 157 0555" in html and "call 999" in html


def test_a_tenant_without_numbers_still_gets_a_way_to_call(hub, limits):
    limits(accepted=1)
    api(REMOTE_ADDR="203.0.113.32")(GOOD_API)
    refused = api(REMOTE_ADDR="203.0.113.32")(GOOD_API)
    assert refused.status_code == 429
    assert "call Alpha County Council's children's services" in refused.json()["detail"]
    assert "call 999" in refused.json()["detail"]


def test_the_api_refusal_says_when_to_retry_and_whom_to_call(alpha, limits):
    limits(accepted=1)
    post = api(REMOTE_ADDR="203.0.113.33")
    assert post(GOOD_API).status_code == 201
    refused = post(GOOD_API)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    detail = refused.json()["detail"]
    assert "try again later, in about" in detail
    assert "01632 960 555" in detail and "0808 157 0555" in detail
    assert "If a child is in immediate danger, call 999." in detail


# --- shared by every worker: the counters are in Redis ------------------------------------------------

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


def _redis():
    import redis

    return redis.Redis.from_url(django_settings.REDIS_URL)


@needs_redis
def test_the_counters_are_in_redis_not_in_the_worker(alpha, limits):
    limits(accepted=3)
    assert api(REMOTE_ADDR="203.0.113.40")(GOOD_API).status_code == 201
    client = _redis()
    try:
        accepted = client.keys(f"*:throttle_{ACCEPTED_SCOPE}_{alpha.pk}:203.0.113.40:*")
        posts = client.keys(f"*:throttle_{POSTS_SCOPE}_{alpha.pk}:203.0.113.40:*")
        assert [int(client.get(k)) for k in accepted + posts] == [1, 1]
    finally:
        client.close()


@needs_redis
def test_concurrent_claims_from_separate_cache_connections_never_overshoot(tenant_a, limits):
    """Django gives each thread its own cache client: eight threads are eight workers' connections."""
    limits(accepted=3)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.41")
    results, start = [], threading.Barrier(8)

    def claim():
        start.wait()
        results.append(PublicReportLimit(request, tenant_a).claim())
        cache.close()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True] * 3


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(port, body, forwarded_for):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{API.format(slug='alpha')}",
        data=body.encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # nosec B310 - local server
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.slow
@needs_redis
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the servers share the PostgreSQL test database")
@pytest.mark.django_db(transaction=True)
def test_two_gunicorn_servers_share_one_allowance(alpha, tmp_path):
    """Two real gunicorn processes on the test database: a client alternating between them is limited once."""
    db = connection.settings_dict
    # Addresses of their own (benchmarking range), so no earlier run's count in the shared Redis applies.
    run = uuid.uuid4().int
    client_ip, other_ip = f"198.18.{run % 250}.{run // 250 % 250}", f"198.19.{run % 250}.{run // 250 % 250}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MASH_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "mash.settings",
        "PUBLIC_MARF_RATE": "2/hour",
        "MASH_TRUSTED_PROXY_COUNT": "1",
    }
    servers = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"{name}.log").open("w")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "mash.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            servers.append((process, port))
        for process, port in servers:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5).close()  # nosec B310
                    break
                except OSError:
                    assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "a.log").read_text()
                    time.sleep(0.2)
        body = '{"children": [{"first_name": "Mia"}], "concerns": "Left alone at night."}'
        (_, a), (_, b) = servers
        assert [_post(a, body, client_ip), _post(b, body, client_ip)] == [201, 201]
        assert [_post(a, body, client_ip), _post(b, body, client_ip)] == [429, 429]
        assert _post(b, body, other_ip) == 201  # another client, through the same proxy
        assert contacts_of(alpha) == 3
    finally:
        for process, _port in servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
        client = _redis()
        for ip in (client_ip, other_ip):
            for key in client.scan_iter(match=f"*throttle_public_marf*:{ip}:*"):
                client.delete(key)
        client.close()


# --- the numbers come from the tenant's settings --------------------------------------------------------


def test_a_tenant_admin_sets_the_numbers_the_public_page_shows(hub):
    admin = Client()
    admin.force_login(hub["admin"])
    assert 'href="/settings/phone-numbers/"' in admin.get("/settings/").content.decode()
    refused = admin.post("/settings/phone-numbers/", {"mash_phone": "call the office", "out_of_hours_phone": ""})
    assert refused.status_code == 200
    assert "Enter a telephone number, like 01223 555 0101" in refused.content.decode()
    numbers = {"mash_phone": "01632 960 777", "out_of_hours_phone": "0808 157 0777"}
    saved = admin.post("/settings/phone-numbers/", numbers)
    assert saved.status_code == 302
    event = audit_event(hub["tenant"], action="tenant.phone_numbers_changed")
    assert event.actor == hub["admin"] and event.changes["mash_phone"] == ["", "01632 960 777"]
    html = Client().get(PAGE.format(slug="alpha")).content.decode()
    assert "01632 960 777" in html and "0808 157 0777" in html
    triage = Client()
    triage.force_login(hub["triage"])
    assert triage.post("/settings/phone-numbers/", {"mash_phone": "01632 960 000"}).status_code == 403
