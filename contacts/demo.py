"""Demo contacts drawn from the seed documents, filed through the same service as real ones. Idempotent."""

from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from mash.models import User
from mash.roles import Role

from . import services
from .models import Contact
from .serializers import ContactInput

DEMO = [
    {
        # Seed 003: a GP's urgent referral.
        "key": "gp-pregnant-mother",
        "hours_ago": 3,
        "children": [{"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "sex": "M"}],
        "household": [{"role": "parent", "relationship": "mother", "first_name": "Amy", "last_name": "Hart",
                       "date_of_birth": "2006-08-19"}],
        "concerns": "Pregnant 19 year old, approximately 6 months pregnant, no input from midwife, also has a "
                    "9 month old son. Attended surgery as a new patient and complained of reduced foetal "
                    "movements. Advised to attend hospital to be checked - did not attend. Seen again today, "
                    "still has not been checked. Mother needs support to access maternity services.",
        "support_provided": "Advised to attend the maternity unit; surgery will contact the midwife.",
        "source": "3A", "referrer_name": "Dr Priya Shah", "referrer_role": "GP",
        "referrer_organisation": "Mill Road Surgery", "gp": "Mill Road Surgery",
        "parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given",
        "postcode": "CB1 2AB", "threshold_level": 2,
    },
    {
        # Seed 003: the ambulance crew's note, rewritten to say who it is about.
        "key": "ambulance-intoxicated-teen",
        "hours_ago": 20,
        "children": [{"first_name": "Chloe", "last_name": "Barker", "date_of_birth": "2011-09-14", "sex": "F"}],
        "concerns": "14-year-old girl drank approximately 700ml of whisky this evening and was severely "
                    "intoxicated. Scratches to her arm, possibly self-harm. Taken to A&E by ambulance.",
        "source": "3E", "referrer_name": "Paramedic J. Okafor", "referrer_role": "Paramedic",
        "referrer_organisation": "Ambulance service",
        "parents_aware": "yes", "consent_to_referral": "not_sought", "consent_to_sharing": "not_sought",
        "consent_reason": "undue_delay", "consent_decided_by": "Paramedic J. Okafor",
        "postcode": "CB4 3DF", "threshold_level": 3,
    },
    {
        # A police domestic-abuse notification (DOMAIN.md: bulk notifications from police).
        "key": "police-da-notification",
        "hours_ago": 9,
        "children": [
            {"first_name": "Jayden", "last_name": "Moore", "date_of_birth": "2017-02-03", "sex": "M"},
            {"first_name": "Ava", "last_name": "Moore", "date_of_birth": "2020-11-21", "sex": "F"},
        ],
        "household": [
            {"role": "parent", "relationship": "mother", "first_name": "Kelly", "last_name": "Moore"},
            {"role": "alleged_perpetrator", "relationship": "mother's partner", "first_name": "Dean",
             "last_name": "Walsh"},
        ],
        "concerns": "Domestic abuse incident at the home overnight. Mother assaulted by her partner; both "
                    "children present and awake. Partner arrested.",
        "source": "6", "referrer_name": "PC 2291 Evans", "referrer_organisation": "Police",
        "parents_aware": "unknown", "consent_to_referral": "not_sought", "consent_to_sharing": "not_sought",
        "consent_reason": "serious_crime", "consent_decided_by": "PS 1180 Patel", "postcode": "PE13 1AB",
        "channel": "police_notification",
    },
    {
        # Seed 003's threshold table: persistent non-attendance at school.
        "key": "school-attendance",
        "hours_ago": 30,
        "children": [{"first_name": "Ruby", "last_name": "Ellis", "date_of_birth": "2014-06-30", "sex": "F"}],
        "concerns": "Attendance has fallen to 71% this term; Ruby often arrives late, hungry and tired, and "
                    "says she looks after her younger brother when mum is unwell.",
        "support_provided": "Attendance meetings with mum; breakfast club place offered.",
        "source": "2A", "referrer_name": "Ms L. Grant", "referrer_role": "Designated safeguarding lead",
        "referrer_organisation": "Ridgeway Primary School", "school": "Ridgeway Primary School",
        "parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given",
        "postcode": "CB2 8PQ", "threshold_level": 2,
    },
]  # fmt: skip


def seed(tenant):
    """File the demo contacts once (keyed by ``demo-<key>`` in external_reference)."""
    referrer = User.objects.filter(username=f"{tenant.slug}-referrer", tenant=tenant).first()
    triage = User.objects.filter(username=f"{tenant.slug}-triage", tenant=tenant).first()
    for spec in DEMO:
        external = f"demo-{spec['key']}"
        if Contact.objects.filter(external_reference=external).exists():
            continue
        data = {k: v for k, v in spec.items() if k not in ("key", "hours_ago", "channel")}
        serializer = ContactInput(data=data)
        serializer.is_valid(raise_exception=True)
        channel = spec.get("channel", "marf")
        submission = replace(
            serializer.to_submission(channel=channel),
            external_reference=external,
            received_at=timezone.now() - timedelta(hours=spec["hours_ago"]),
        )
        actor = referrer if channel == "marf" and referrer and referrer.role == Role.REFERRER else triage
        services.submit_contact(tenant=tenant, actor=actor, submission=submission)
    # The referrer's MARFs are matched by a worker after each commit: do it now, so the demo seeded after this
    # (and the first page a user opens) finds every child on the register.
    services.settle_pending_matching()
