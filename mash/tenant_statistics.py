"""What PostgreSQL's planner expects of one tenant's share of a table: the largest tenant's, not the average's.

Row-level security compares ``tenant_id`` with the signed tenant through a sub-select (``mash.security.rls``), so
PostgreSQL plans each query without knowing which tenant asks, and expects the average tenant's share of each
table: one row in as many as there are tenants. Councils are not the same size. In the 150-tenant database of
``bench/national.py`` the largest held 43 % of the register against an expected 0.7 %: the triage queue joined its
fifty rows' children to the register by hashing all 27,902 of the tenant's entries (26 ms) instead of looking up
76 (0.8 ms), and the largest tenant's queue was 27 % slower among 150 tenants than among 3.

:func:`plan_for_the_largest_tenant` tells the planner to expect the largest tenant's share of each tenant-owned
table (its ``tenant_id`` column's ``n_distinct``, set to one over that share as the table's own statistics give it,
never more than the number of tenants), and re-reads that column's statistics so it applies at once. A small
tenant's queries are then planned for more rows than it has; its queue measured the same either way. It runs as the
tables' owner after every ``migrate`` and by ``manage.py plan_for_the_largest_tenant`` (after a bulk import, or when
councils join); autovacuum's later ANALYZEs keep the setting.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from mash.security import rls


def plan_for_the_largest_tenant(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Set each analysed tenant-owned table's expected number of tenants from its largest tenant's share (as
    the owner). Returns {table: the number set}; tables without statistics yet (never analysed, or empty) are
    left alone. Nothing on SQLite (one tenant's embedded default has no planner statistics to correct)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return {}
    tables = rls.tenant_owned_tables()
    planned: dict[str, int] = {}
    with rls.owner_mode(using), connection.cursor() as cursor:  # scoping: allowed - the catalogue's statistics
        cursor.execute("SELECT count(*) FROM mash_tenant")
        (tenants,) = cursor.fetchone()
        cursor.execute(
            "SELECT tablename, most_common_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND attname = 'tenant_id' AND tablename = ANY(%s)",
            [tables],
        )
        for table, shares in cursor.fetchall():
            if shares:
                planned[table] = max(1, min(round(1 / max(shares)), tenants))
                # The table name is one of the models' own; the number is an integer worked out here.
                cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN tenant_id SET (n_distinct = {planned[table]})')
            else:  # no tenant stands out in the sample: the planner's own count is right
                cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN tenant_id RESET (n_distinct)')
            cursor.execute(f'ANALYZE "{table}" (tenant_id)')
    return planned
