"""Taking turns per tenant: a transaction-level advisory lock on PostgreSQL (SQLite has one writer anyway)."""

from __future__ import annotations

from django.db import connection


def take_turns(key: int, tenant_id: int) -> None:
    """Wait for any other transaction holding (``key``, ``tenant_id``) to end; held until ours ends.

    ``key`` names the kind of work (each app picks its own constant); inside a transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # scoping: allowed - a lock on the active tenant's key, reads no rows
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, tenant_id])
