"""Dashboard bench: response times of ``GET /api/v1/dashboard/timeliness/`` on generated history.

    .venv/bin/python -m bench.dashboard [--tenant coventry] [--calls 30] [--interval week]

Runs against the database bench/generate_history.py fills (``mash_bench``, or ``BENCH_DATABASE_URL``;
generate first). Calls the API as the tenant's manager through the full stack (DRF test client: token
auth, middleware, permission, serialisation) for the last year and the last five years, and prints the
median and 95th percentile over ``--calls`` calls each (after two warm-up calls), the number of SQL
queries per call, and the number of contacts and information requests covered. Goal: p95 under 300 ms
for a year.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_bench"


def _p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="coventry")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--interval", default="week", choices=["day", "week", "month"])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from mash.models import Tenant, User
    from mash.tenancy import tenant_context
    from reporting.models import ContactFact, ReturnFact

    settings.ALLOWED_HOSTS = ["*"]
    tenant = Tenant.objects.get(slug=args.tenant)
    manager = User.objects.get(username=f"{args.tenant}-manager")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=manager)[0].key}")
    today = timezone.localdate()
    print(f"tenant {tenant.slug}; {args.calls} calls per range after 2 warm-up calls; trend by {args.interval}")
    for label, days in (("1 year", 365), ("5 years", 5 * 365 + 1)):
        start = today - timedelta(days=days - 1)
        url = f"/api/v1/dashboard/timeliness/?from={start}&to={today}&interval={args.interval}"
        with tenant_context(tenant):
            contacts = ContactFact.objects.filter(received_on__gte=start, received_on__lte=today).count()
            requests = ReturnFact.objects.filter(received_on__gte=start, received_on__lte=today).count()
        for _ in range(2):
            assert client.get(url).status_code == 200
        timings = []
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured)
        for _ in range(args.calls):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        print(
            f"{label:>8}: {contacts:>9,} contacts, {requests:>10,} information requests: "
            f"median {statistics.median(timings):7.1f} ms, p95 {_p95(timings):7.1f} ms, "
            f"max {max(timings):7.1f} ms, {queries} queries per call"
        )


if __name__ == "__main__":
    main()
