"""Create the PostgreSQL role the application works as (row-level security), idempotently."""

import os
import urllib.parse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the application's PostgreSQL role (DATABASE_APP_ROLE, default mash_app) if missing: "
        "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE, so row-level security applies to it. "
        "Connects with DATABASE_URL (a role allowed to create roles). Run by bin/test and bin/run; "
        "migrate then grants it row access (mash.security.rls). Does nothing under SQLite."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--role", default=None, help="Role name (default: DATABASE_APP_ROLE or mash_app).")

    def handle(self, *args, role=None, **options):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            self.stdout.write("No PostgreSQL DATABASE_URL: nothing to do (SQLite has no row-level security).")
            return
        role = role or getattr(settings, "DATABASE_APP_ROLE", "") or "mash_app"
        if not role.replace("_", "").isalnum():
            raise CommandError("The role name may only hold letters, digits and underscores.")
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
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            name = sql.Identifier(role)
            if exists is None:
                connection.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(name)
                )
                self.stdout.write(f"Created role {role}.")
            else:
                connection.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOBYPASSRLS").format(name))
                self.stdout.write(f"Role {role} present.")
