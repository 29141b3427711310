"""Builders of contacts for tests: a good MARF as the API takes it, its submission through the API, and a
contact made through the contacts service outside the API (the isolation tests make one per tenant)."""

from dataclasses import replace

from contacts import services
from contacts.serializers import StaffContactInput
from mash import tenancy


def make_contact(tenant, key, **overrides):
    """A phone contact in ``tenant`` whose external reference is ``key`` (a natural key for the isolation tests)."""
    with tenancy.tenant_context(tenant):
        serializer = StaffContactInput(data=marf(**overrides))
        serializer.is_valid(raise_exception=True)
        submission = replace(serializer.to_submission(), external_reference=key)
        return services.submit_contact(tenant=tenant, actor=None, submission=submission)


def marf(**overrides):
    """A good MARF (seed 003's "ingredients of a good referral"), as the API takes it."""
    body = {
        "children": [
            {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB",
             "sex": "M", "ethnicity": "WBRI"},
        ],
        "household": [
            {"role": "parent", "relationship": "mother", "first_name": "Amy", "last_name": "Hart",
             "date_of_birth": "2006-08-19", "phone": "07700 900123"},
        ],
        "concerns": "Mother, 19, about six months pregnant, no midwife input; also has a 9-month-old son. "
                    "Reduced foetal movements; did not attend hospital when advised.",
        "address": "12 Mill Road, Cambridge",
        "postcode": "cb12ab",
        "school": "",
        "gp": "Mill Road Surgery",
        "language": "English",
        "parents_aware": "yes",
        "consent_to_referral": "given",
        "consent_to_sharing": "given",
        "source": "3A",
        "referrer_name": "Dr Priya Shah",
        "referrer_role": "GP",
        "referrer_organisation": "Mill Road Surgery",
        "referrer_email": "p.shah@example.org",
    }  # fmt: skip
    body.update(overrides)
    return body


def submit(api_client, **overrides):
    response = api_client.post("/api/v1/contacts/", marf(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response.data


def settle_matching(tenant):
    """What a worker does a moment after a referrer's or the public's contact commits (and the tenant's next staff
    request first, if sooner): match the people still pending against the register, oldest contact first."""
    from mash import freshness

    with tenancy.tenant_context(tenant):
        freshness.settle(services.MATCHING, tenant.pk)
