"""Create the PostgreSQL roles the application works as (row-level security), idempotently."""

import os
import urllib.parse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ATTRIBUTES = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"
ROLES_LOCK = 0x6D617368_726F6C65  # "mashrole": pg_advisory_lock's key for this command, in database postgres


class Command(BaseCommand):
    help = (
        "Create or correct the two PostgreSQL roles of mash.security.rls: the application role "
        "(DATABASE_APP_ROLE, default mash_app), which web processes log in as and which sees one tenant "
        "at a time, and the system role (DATABASE_SYSTEM_ROLE, default mash_system), which worker, beat "
        "and management commands log in as for cross-tenant system work. Both are LOGIN NOSUPERUSER "
        "NOBYPASSRLS NOCREATEDB NOCREATEROLE. The system role is made a member of the application role "
        "(so it can do tenant work as it); the application role is left a member of no role at all, so "
        "it can become nothing else. Passwords come from DATABASE_APP_PASSWORD and "
        "DATABASE_SYSTEM_PASSWORD when set (left as they are otherwise). Connects with DATABASE_URL (a "
        "role allowed to create roles); migrate then installs the policies and grants row access. Does "
        "nothing under SQLite."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--app-role", default=None, help="Default: DATABASE_APP_ROLE or mash_app.")
        parser.add_argument("--system-role", default=None, help="Default: DATABASE_SYSTEM_ROLE or mash_system.")

    def handle(self, *args, app_role=None, system_role=None, **options):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            self.stdout.write("No PostgreSQL DATABASE_URL: nothing to do (SQLite has no row-level security).")
            return
        app_role = app_role or getattr(settings, "DATABASE_APP_ROLE", "") or "mash_app"
        system_role = system_role or getattr(settings, "DATABASE_SYSTEM_ROLE", "") or "mash_system"
        for role in (app_role, system_role):
            if not role.replace("_", "").isalnum():
                raise CommandError("A role name may only hold letters, digits and underscores.")
        if app_role == system_role:
            raise CommandError("The application role and the system role must be different roles.")
        import psycopg
        from psycopg import sql

        parts = urllib.parse.urlsplit(url)
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=urllib.parse.unquote(parts.username or "postgres"),
            password=urllib.parse.unquote(parts.password or "") or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as connection:
            # Roles belong to the whole server, which several runs may share (two test workers starting at once):
            # PostgreSQL refuses a second ALTER ROLE of one role meanwhile ("tuple concurrently updated"), so
            # one run at a time, by a lock every run takes in the same database, released when it disconnects.
            connection.execute("SELECT pg_advisory_lock(%s)", [ROLES_LOCK])
            for role, password in (
                (app_role, os.environ.get("DATABASE_APP_PASSWORD", "")),
                (system_role, os.environ.get("DATABASE_SYSTEM_PASSWORD", "")),
            ):
                self._ensure(connection, sql, role, password)
            app, system = sql.Identifier(app_role), sql.Identifier(system_role)
            # The application role belongs to no role: whatever it sets, it stays itself.
            held = connection.execute(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
                [app_role],
            ).fetchall()
            for (granted,) in held:
                connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(granted), app))
                self.stdout.write(f"Revoked {granted} from {app_role}: the application role becomes no other role.")
            # The system role may step down to the application role for tenant work (SET ROLE).
            connection.execute(sql.SQL("GRANT {} TO {}").format(app, system))

    def _ensure(self, connection, sql, role, password):
        name = sql.Identifier(role)
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        statement = "CREATE ROLE {} " if exists is None else "ALTER ROLE {} "
        query = sql.SQL(statement + ATTRIBUTES).format(name)
        if password:
            query = sql.SQL("{} PASSWORD {}").format(query, sql.Literal(password))
        connection.execute(query)
        self.stdout.write(f"{'Created' if exists is None else 'Checked'} role {role}.")
