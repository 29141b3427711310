from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from mash import tenancy
from mash.demo import DEMO_AGENCIES, DEMO_AGENCY_USERS, DEMO_ROLE_USERS, DEMO_TEAM_USERS, DEMO_TEAMS, DEMO_TENANTS
from mash.models import Agency, Team, TeamMember, Tenant, User
from mash.signals import ensure_role_groups


class Command(BaseCommand):
    help = (
        "Create or refresh the demo local authorities (cambridgeshire, durham, coventry), their "
        "partner agencies and one user per role (<tenant>-<role>, <tenant>-nav-<agency>, "
        "<tenant>-lead-<agency>). Idempotent: running it again changes nothing but the password, "
        "which is reset to the demo password so every demo user can sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=settings.DEMO_PASSWORD,
            help="Password for every demo user (default: the MASH_DEMO_PASSWORD setting).",
        )

    @transaction.atomic
    def handle(self, *args, password, **options):
        # Hashing is deliberately slow; hash the demo password once and give every demo user the
        # same encoded value, so a re-run verifies it once rather than once per user.
        self._password = password
        self._encoded = None
        self._verified: dict[str, bool] = {}
        ensure_role_groups()
        users = 0
        for demo in DEMO_TENANTS:
            tenant, _ = Tenant.objects.update_or_create(
                slug=demo.slug,
                defaults={
                    "name": demo.name,
                    "reference_prefix": demo.reference_prefix,
                    "mash_phone": demo.mash_phone,
                    "out_of_hours_phone": demo.out_of_hours_phone,
                },
            )
            with tenancy.tenant_context(tenant):
                agencies = {}
                for slug, name in DEMO_AGENCIES:
                    agencies[slug], _ = Agency.objects.update_or_create(
                        slug=slug, defaults={"name": name, "active": True}
                    )
                for suffix, role, title in DEMO_ROLE_USERS:
                    self._user(f"{demo.slug}-{suffix}", tenant, role, None, title, password)
                    users += 1
                teams = {
                    name: Team.objects.update_or_create(name=name, defaults={"active": True})[0] for name in DEMO_TEAMS
                }
                for suffix, role, title, team in DEMO_TEAM_USERS:
                    member = self._user(f"{demo.slug}-{suffix}", tenant, role, None, title, password)
                    TeamMember.objects.update_or_create(user=member, defaults={"team": teams[team]})
                    users += 1
                for slug, agency in agencies.items():
                    for prefix, role, title in DEMO_AGENCY_USERS:
                        self._user(
                            f"{demo.slug}-{prefix}-{slug}", tenant, role, agency, f"{agency.name} {title}", password
                        )
                        users += 1
                self._seed_capabilities(tenant)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(DEMO_TENANTS)} tenants, {users} users."))
        self.stdout.write(f"Demo password for every user: {password}")

    def _user(self, username, tenant, role, agency, title, password):
        user, created = User.objects.get_or_create(
            username=username, defaults={"tenant": tenant, "role": role, "agency": agency}
        )
        user.tenant, user.role, user.agency, user.job_title = tenant, role, agency, title
        user.first_name = username.split("-", 1)[1].replace("-", " ").title()
        user.last_name = f"({tenant.slug.title()})"
        user.email = f"{username}@{tenant.slug}.example.org"
        user.is_active = True
        if created or not self._password_matches(user):
            if self._encoded is None:
                self._encoded = make_password(password)
            user.password = self._encoded
        user.save()
        return user

    def _password_matches(self, user) -> bool:
        if user.password not in self._verified:
            self._verified[user.password] = check_password(self._password, user.password)
        return self._verified[user.password]

    def _seed_capabilities(self, tenant):
        """Each capability adds its own demo data through its ``demo`` module's ``seed(tenant)``."""
        from importlib import import_module

        for app in ("thresholds", "deadlines", "contacts", "triage", "navigators", "earlyhelp"):
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(tenant)
