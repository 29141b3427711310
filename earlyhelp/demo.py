"""Demo early-help requests, filed through the same services as real ones. Idempotent.

One direct Early Help Assessment from the demo referrer waits in the coordinators' queue; a second already has
its outcome (a district service), its calls made and its Early Help Plan, with the first review scheduled.
"""

from datetime import timedelta

from django.utils import timezone

from mash.models import User
from mash.roles import Role

from . import services
from .models import EarlyHelpRequest
from .serializers import EarlyHelpRequestInput

DEMO = [
    {
        "key": "demo-young-carer",
        "children": [{"first_name": "Mia", "last_name": "Okoro", "date_of_birth": "2013-02-11", "sex": "F",
                      "postcode": "CB4 1AA"}],
        "needs": "Mia (12) is a young carer for her mother, who has MS. She is often late and tired and has "
                 "stopped going to netball. Mum would like support at home and a young carers' group for Mia.",
        "referrer_organisation": "Chesterton Community College", "referrer_role": "Pastoral lead",
        "family_contact": "Grace Okoro (mother)", "family_phone": "07700 900321",
        "assessment_organisation": "Chesterton Community College",  # recorded by the coordinator (Annex A)
    },
    {
        "key": "demo-toddler-sleep",
        "children": [{"first_name": "Noah", "last_name": "Webb", "date_of_birth": "2023-07-19", "sex": "M",
                      "postcode": "PE13 2XY"}],
        "needs": "Parents are exhausted by Noah's sleep and behaviour; dad has lost his job and money is tight. "
                 "They asked for help with routines and debt advice.",
        "referrer_organisation": "Wisbech Health Visiting Team", "referrer_role": "Health visitor",
        "family_contact": "Kerry Webb (mother)", "family_phone": "07700 900654",
        "outcome": True,
    },
]  # fmt: skip


def seed(tenant):
    referrer = User.objects.filter(username=f"{tenant.slug}-referrer", tenant=tenant, role=Role.REFERRER).first()
    coordinator = User.objects.filter(username=f"{tenant.slug}-ehcoord", tenant=tenant, role=Role.EHCOORD).first()
    if referrer is None or coordinator is None:
        return
    for spec in DEMO:
        if EarlyHelpRequest.objects.filter(referrer_email=f"{spec['key']}@example.org").exists():
            continue  # already seeded (the demo referrer email is its key)
        body = {k: v for k, v in spec.items() if k not in ("key", "outcome", "assessment_organisation")}
        body |= {"referrer_name": referrer.get_full_name(), "referrer_email": f"{spec['key']}@example.org"}
        serializer = EarlyHelpRequestInput(data=body)
        serializer.is_valid(raise_exception=True)
        request = services.request_early_help(tenant=tenant, actor=referrer, data=serializer.validated_data)
        if spec.get("assessment_organisation"):
            services.record_assessment(request=request, actor=coordinator, started_on=None, completed_on=None,
                                       organisation=spec["assessment_organisation"])  # fmt: skip
        if not spec.get("outcome"):
            continue
        services.give_outcome(
            request=request, actor=coordinator, outcome="district_service", lead_professional="Sam Reid, Family Worker",
            district_services="Family Work (Fenland District)", further_assessment=False,
            notes="Routines support at home; debt advice through the district's money adviser.",
        )  # fmt: skip
        for task in request.feedback_tasks.all():
            if task.is_call:
                services.record_call(task=task, actor=coordinator, spoke_to=task.recipient or "The family",
                                     called_at=timezone.now(), outcome="told")  # fmt: skip
        services.start_plan(
            request=request, actor=coordinator, lead_professional="Sam Reid, Family Worker",
            services="Family Work; health visitor; money advice", first_review_on=timezone.localdate() + timedelta(42),
        )  # fmt: skip
