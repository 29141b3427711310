from importlib import import_module

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction

from mash import audit, tenancy
from mash.accounts import services as accounts
from mash.demo import DEMO_AGENCIES
from mash.models import Agency, Tenant
from mash.routing import CAPABILITIES
from mash.signals import ensure_role_groups


def _onboarding_modules():
    """Each app's ``onboarding`` module (``set_up(tenant, template=...)``), lowest layer first. Found by
    name, as seed_demo finds ``demo`` modules: the core cannot import the apps above it."""
    modules = []
    for app in CAPABILITIES:
        try:
            modules.append(import_module(f"{app}.onboarding"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.onboarding":
                raise
    return modules


def _templates() -> dict[str, str]:
    return import_module("thresholds.onboarding").TEMPLATES


class Command(BaseCommand):
    help = (
        "Create a new council (tenant) from a template: the rating scheme and clocks, England and Wales "
        "bank holidays, the default escalation ladders, the nine partner agencies with their question "
        "templates and the default threshold document; and its first administrator, who is emailed a "
        "single-use link to set a password and an authenticator app. All or nothing; refused when the "
        "slug is taken, so running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short identifier, e.g. norfolk (letters, numbers, hyphens)")
        parser.add_argument("name", help='The council\'s name, e.g. "Norfolk County Council"')
        parser.add_argument(
            "--from", dest="template", default="default", help=f"Template: one of {', '.join(_templates())}"
        )
        parser.add_argument("--admin-email", required=True, help="The first administrator's email address")
        parser.add_argument("--admin-username", help="Default: <slug>-admin")
        parser.add_argument("--reference-prefix", help="Prefix of contact references, e.g. NOR (default: the slug's)")
        parser.add_argument("--time-zone", default="Europe/London")

    def handle(self, *args, slug, name, template, admin_email, admin_username, reference_prefix, time_zone, **opts):
        slug = slug.strip().lower()
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(f"“{slug}” is not a valid slug: use letters, numbers and hyphens.") from exc
        if template not in _templates():
            raise CommandError(f"Unknown template “{template}”. Choose one of: {', '.join(_templates())}.")
        if Tenant.objects.filter(slug=slug).exists():
            raise CommandError(f"A council with the slug “{slug}” already exists. Nothing was changed.")
        if not name.strip():
            raise CommandError("Give the council's name.")
        prefix = (reference_prefix or slug.replace("-", "")[:3]).upper()[:8]
        try:
            with transaction.atomic():
                tenant = self._create(slug, name.strip(), template, prefix, time_zone, admin_email, admin_username)
        except ValidationError as exc:
            messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms]
            raise CommandError("The first administrator could not be created: " + " ".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {tenant.name} ({tenant.slug}) from the “{template}” template."))
        self.stdout.write(f"A set-up link has been emailed to {admin_email}.")

    def _create(self, slug, name, template, prefix, time_zone, admin_email, admin_username):
        ensure_role_groups()
        tenant = Tenant.objects.create(slug=slug, name=name, reference_prefix=prefix, time_zone=time_zone)
        audit.record(
            actor=None, action="tenant.created", obj=tenant, tenant=tenant, changes={"template": template, "name": name}
        )
        with tenancy.tenant_context(tenant):
            for agency_slug, agency_name in DEMO_AGENCIES:
                Agency.objects.create(slug=agency_slug, name=agency_name)
            for module in _onboarding_modules():
                module.set_up(tenant, template=template)
            accounts.create_first_admin(tenant=tenant, username=admin_username or f"{slug}-admin", email=admin_email)
        return tenant
