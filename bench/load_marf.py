"""A MARF as a referrer files it through the API, with a made-up child: for bench/load.py and its locustfile."""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST = ["Leo", "Mia", "Noah", "Ava", "Ollie", "Isla", "Jack", "Amelia", "Harry", "Lily", "Alfie", "Evie"]
LAST = ["Hart", "Khan", "Smith", "Jones", "Patel", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Ahmed"]


def marf() -> dict:
    born = date.today() - timedelta(days=random.randrange(30, 17 * 365))
    first, last = random.choice(FIRST), random.choice(LAST)
    return {
        "source": random.choice(["3A", "5A", "1A", "6"]),
        "children": [
            {
                "first_name": first,
                "last_name": last,
                "date_of_birth": born.isoformat(),
                "sex": random.choice("FMU"),
                "postcode": f"CB{random.randrange(1, 9)} {random.randrange(1, 9)}AB",
            }
        ],
        "household": [{"first_name": "Sam", "last_name": last, "role": "parent", "relationship": "mother"}],
        "address": f"{random.randrange(1, 200)} Mill Road",
        "postcode": "CB1 2AB",
        "concerns": "Bruising seen at school on the upper arm; the child said an adult at home grabbed them. "
        "Mother did not attend the last two appointments offered.",
        "parents_aware": random.choice(["yes", "no", "unknown"]),
        "consent_to_referral": "given",
        "consent_to_sharing": "given",
        "referrer_name": "Ms Load Test",
        "referrer_role": "Designated safeguarding lead",
        "referrer_organisation": "Mill Road Primary",
        "referrer_email": "dsl@example.org",
        "referrer_phone": "01632 960000",
    }
