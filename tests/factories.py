"""factory_boy factories. Tenant-owned rows are created inside their tenant's context."""

import factory
from rest_framework.authtoken.models import Token

from mash import tenancy
from mash.models import Agency, Tenant, User
from mash.roles import AGENCY_ROLES, Role


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.slug.title()} Council")
    reference_prefix = factory.LazyAttribute(lambda o: o.slug[:3].upper())


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Creates the row with its tenant active, exactly as application code must."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, tenant, **kwargs):
        with tenancy.tenant_context(tenant):
            return super()._create(model_class, *args, **kwargs)


class AgencyFactory(TenantOwnedFactory):
    class Meta:
        model = Agency

    slug = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    tenant = factory.SubFactory(TenantFactory)
    role = Role.TRIAGE
    agency = factory.LazyAttribute(lambda o: AgencyFactory(tenant=o.tenant) if o.role in AGENCY_ROLES else None)
    password = factory.django.Password("correct horse battery")


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key
