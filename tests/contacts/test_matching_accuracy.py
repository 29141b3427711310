"""Matching against a register of 10,000 children: how many re-referrals it finds, how few strangers it flags.

The register and the re-referrals come from bench/people.py: realistic names and families, and the
slips referrers make (misspellings, nicknames, swapped names, hyphenated surnames, dates of birth with
day and month swapped or one digit wrong, house moves), plus siblings and twins who are *not* the same
child. Measured on this generator (seeded, so the figures are stable): recall 0.99, precision 0.99 for
"possible match"; the floors below leave a small margin.
"""

import pytest

from bench.people import generate_register, probes
from contacts import matching
from contacts.models import Person
from mash import tenancy

pytestmark = pytest.mark.django_db

REGISTER = 10_000
RECALL_FLOOR = 0.97
PRECISION_FLOOR = 0.95
STRONG_PRECISION_FLOOR = 0.99


def test_possible_matches_find_re_referrals_and_spare_strangers(tenant_a):
    register = generate_register(REGISTER, seed=11)
    with tenancy.tenant_context(tenant_a):
        Person.objects.bulk_create(
            [
                Person(
                    tenant_id=tenant_a.pk,
                    **matching.register_fields(c.first_name, c.last_name, c.date_of_birth, c.postcode, c.sex),
                )
                for c in register
            ],
            batch_size=2000,
        )
        person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
        identity_of = dict(zip(person_ids, range(REGISTER), strict=True))
        assert Person.objects.count() == REGISTER

        found = known = true_pairs = flagged = strong_true = strong_flagged = 0
        for child, _kind in probes(register, known=600, unknown=600, seed=12):
            key = matching.PersonKey.of(
                child.first_name, child.last_name, child.date_of_birth, child.postcode, child.sex
            )
            candidates = matching.find_candidates(key, queryset=Person.objects.all())
            hits = [identity_of[c.person_id] == child.identity for c in candidates]
            is_known = child.identity < REGISTER
            known += is_known
            found += is_known and any(hits)
            true_pairs += sum(hits)
            flagged += len(hits)
            strong = [hit for hit, c in zip(hits, candidates, strict=True) if c.score >= matching.STRONG]
            strong_true += sum(strong)
            strong_flagged += len(strong)

    recall, precision = found / known, true_pairs / flagged
    strong_precision = strong_true / strong_flagged
    print(f"recall {recall:.3f} precision {precision:.3f} strong precision {strong_precision:.3f}")
    assert recall >= RECALL_FLOOR
    assert precision >= PRECISION_FLOOR
    assert strong_precision >= STRONG_PRECISION_FLOOR
