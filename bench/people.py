"""Synthetic children for measuring person matching: a register, and re-referrals with realistic slips.

Names come from Faker's en_GB lists with their frequency weights (so Smiths and Joneses are as
common as in England); families share a surname and a postcode, some have twins, a few have
double-barrelled surnames. A *variant* is how the same child is written again by another
referrer: a misspelling, a nickname, first and last names swapped, a surname hyphenated or not,
a date of birth with day and month swapped or one digit wrong, a house move. *Hard negatives*
are different children who look alike: a sibling (same surname and postcode) or a twin.

Used by tests/contacts/test_matching_accuracy.py (10,000 people), bench/contacts.py (500,000), and the people
search (tests/people/test_search.py, bench/people_search.py: ``misspelled``).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate

from faker.providers.person.en_GB import Provider as PersonProvider

from contacts.matching import NICKNAMES

TODAY = date(2026, 1, 15)
_NICKS = {full: sorted(nicks) for full, nicks in NICKNAMES.items()}

_LAST = list(PersonProvider.last_names.keys())
_LAST_W = list(accumulate(PersonProvider.last_names.values()))  # cumulative: choices() stays O(log n)
# Faker's first names are unweighted lists ordered by popularity: give them a Zipf-like weight.
_FEMALE = list(PersonProvider.first_names_female)
_FEMALE_W = list(accumulate(1 / (rank + 10) for rank in range(len(_FEMALE))))
_MALE = list(PersonProvider.first_names_male)
_MALE_W = list(accumulate(1 / (rank + 10) for rank in range(len(_MALE))))
_AREAS = ["CB", "PE", "CV", "DH", "DL", "SR", "NE", "B", "LE", "NN", "IP", "CO", "ME"]

_KEYBOARD = {
    "a": "qsz", "b": "vgn", "c": "xvd", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht", "h": "gjy",
    "i": "uok", "j": "hku", "k": "jli", "l": "kop", "m": "nj", "n": "bmh", "o": "ipl", "p": "ol",
    "q": "wa", "r": "etf", "s": "adw", "t": "ryg", "u": "yij", "v": "cbf", "w": "qes", "x": "zcs",
    "y": "tuh", "z": "xa",
}  # fmt: skip


@dataclass(frozen=True)
class Child:
    identity: int
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str
    postcode: str


def _postcode(rng: random.Random) -> str:
    area = rng.choice(_AREAS)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{area}{rng.randint(1, 29)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _first(rng: random.Random, sex: str) -> str:
    if sex == "F":
        return rng.choices(_FEMALE, cum_weights=_FEMALE_W)[0]
    return rng.choices(_MALE, cum_weights=_MALE_W)[0]


def _dob(rng: random.Random) -> date:
    return TODAY - timedelta(days=rng.randint(30, 17 * 365 + 300))


def generate_register(n: int, *, seed: int = 1) -> list[Child]:
    """``n`` distinct children in families (1-4 children, 3% twins, 6% double-barrelled surnames)."""
    rng = random.Random(seed)
    children: list[Child] = []
    while len(children) < n:
        surname = rng.choices(_LAST, cum_weights=_LAST_W)[0]
        if rng.random() < 0.06:
            surname = f"{surname}-{rng.choices(_LAST, cum_weights=_LAST_W)[0]}"
        postcode = _postcode(rng)
        used: set[str] = set()
        dobs: list[date] = []
        for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])):
            twin = dobs and rng.random() < 0.03
            dob = dobs[-1] if twin else _dob(rng)
            sex = rng.choice("FM")
            first = _first(rng, sex)
            if first in used:
                continue
            used.add(first)
            dobs.append(dob)
            children.append(Child(len(children), first, surname, dob, sex, postcode))
            if len(children) >= n:
                break
    return children


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + rng.choice(string.ascii_lowercase)
    i = rng.randrange(1, len(word) - 1)  # people rarely get the first letter wrong
    kind = rng.choice(["swap", "drop", "neighbour", "double"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "neighbour":
        c = word[i].lower()
        return word[:i] + rng.choice(_KEYBOARD.get(c, "e")) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _dob_slip(rng: random.Random, dob: date) -> date:
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.5:
        return dob.replace(month=dob.day, day=dob.month)
    for _ in range(20):
        text = list(dob.strftime("%Y%m%d"))
        i = rng.choice([3, 5, 7])  # last digit of year, month or day
        text[i] = str((int(text[i]) + rng.choice([1, -1])) % 10)
        try:
            slipped = date(int("".join(text[:4])), int("".join(text[4:6])), int("".join(text[6:])))
        except ValueError:
            continue
        if slipped != dob and slipped <= TODAY:
            return slipped
    return dob + timedelta(days=1)


VARIATIONS = (
    "exact", "exact", "exact", "first_typo", "last_typo", "nickname", "swapped", "hyphen",
    "dob_slip", "moved", "case",
)  # fmt: skip


def variant(rng: random.Random, child: Child, *, changes: int | None = None) -> tuple[Child, list[str]]:
    """The same child as another referrer might write them: one change, sometimes two."""
    if changes is None:
        changes = 2 if rng.random() < 0.2 else 1
    kinds = rng.sample(VARIATIONS, changes)
    out = child
    for kind in kinds:
        if kind == "first_typo":
            out = replace(out, first_name=_typo(rng, out.first_name))
        elif kind == "last_typo":
            out = replace(out, last_name=_typo(rng, out.last_name))
        elif kind == "nickname":
            nicks = _NICKS.get(out.first_name.lower())
            out = (
                replace(out, first_name=rng.choice(nicks).title())
                if nicks
                else replace(out, first_name=_typo(rng, out.first_name))
            )
        elif kind == "swapped":
            out = replace(out, first_name=out.last_name, last_name=out.first_name)
        elif kind == "hyphen":
            if "-" in out.last_name:
                out = replace(out, last_name=rng.choice(out.last_name.split("-")))
            else:
                out = replace(out, last_name=f"{out.last_name}-{rng.choices(_LAST, cum_weights=_LAST_W)[0]}")
        elif kind == "dob_slip":
            out = replace(out, date_of_birth=_dob_slip(rng, out.date_of_birth))
        elif kind == "moved":
            out = replace(out, postcode=_postcode(rng))
        elif kind == "case":
            out = replace(out, first_name=out.first_name.upper(), last_name=f" {out.last_name.lower()} ")
    return out, kinds


def hard_negative(rng: random.Random, child: Child, identity: int) -> Child:
    """A different child of the same family: a sibling (other name and date of birth) or a twin."""
    sex = rng.choice("FM")
    first = child.first_name
    while first == child.first_name:
        first = _first(rng, sex)
    dob = child.date_of_birth if rng.random() < 0.3 else _dob(rng)
    return Child(identity, first, child.last_name, dob, sex, child.postcode)


def stranger(rng: random.Random, identity: int) -> Child:
    sex = rng.choice("FM")
    return Child(identity, _first(rng, sex), rng.choices(_LAST, cum_weights=_LAST_W)[0], _dob(rng), sex, _postcode(rng))


def probes(register: list[Child], *, known: int, unknown: int, seed: int = 2) -> list[tuple[Child, str]]:
    """Mentions to match: ``known`` variants of registered children, ``unknown`` children not registered.

    Half the unknown ones are hard negatives (a sibling or twin of a registered child). Each probe
    carries the identity of the registered child it is (``-1``-based new identities when none).
    """
    rng = random.Random(seed)
    out: list[tuple[Child, str]] = []
    for child in rng.sample(register, known):
        v, kinds = variant(rng, child)
        out.append((v, "+".join(kinds)))
    next_identity = len(register) + 1_000_000
    for i in range(unknown):
        if i % 2 == 0:
            out.append((hard_negative(rng, rng.choice(register), next_identity + i), "sibling_or_twin"))
        else:
            out.append((stranger(rng, next_identity + i), "stranger"))
    return out


def misspelled(rng: random.Random, child: Child) -> Child:
    """The same child with one typing slip in the first or the last name (the date of birth as registered):
    how staff type a name into the search box."""
    if rng.random() < 0.5:
        return replace(child, first_name=_typo(rng, child.first_name))
    return replace(child, last_name=_typo(rng, child.last_name))


# Street names and kinds for the bench's addresses (a family at one postcode shares one home).
_STREETS = [
    "Mill", "Church", "Station", "High", "Victoria", "Park", "Green", "Manor", "Kings", "Queens", "Albert", "York",
    "Chapel", "School", "North", "South", "West", "East", "New", "Orchard", "Meadow", "Willow", "Oak", "Elm",
    "Ash", "Beech", "Cedar", "Cherry", "Holly", "Maple", "Rowan", "Hawthorn", "Chestnut", "Birch", "Larch",
    "Windsor", "Grange", "Cromwell", "Nelson", "Wellington", "Shakespeare", "Milton", "Tennyson", "Byron",
    "Priory", "Abbey", "Castle", "Bridge", "Brook", "River", "Lake", "Hill", "Valley", "Forest", "Heath",
    "Spring", "Fountain", "Market", "Cross", "Union", "Regent", "Princes", "Trinity", "St Johns", "St Marys",
    "Hereward", "Fenland", "Coronation", "Jubilee", "Falcon", "Kestrel", "Heron", "Swallow", "Wren", "Lark",
    "Ferry", "Harbour", "Quarry", "Foundry", "Tannery", "Granary", "Brewery", "Pottery", "Rope", "Sandy",
]  # fmt: skip
_STREET_KINDS = ["Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Court", "Crescent", "Grove",
                 "Gardens", "Terrace", "Walk", "Place", "Rise", "Mews"]  # fmt: skip
_TOWNS = ["Cambridge", "Peterborough", "Coventry", "Durham", "Sunderland", "Newcastle", "Leicester", "Ipswich"]


def address_of(child: Child) -> str:
    """The family's home: the same for every child at the postcode (seeded by it), e.g. 12 Mill Lane, Ely."""
    rng = random.Random(child.postcode)
    return (f"{rng.randint(1, 240)} {rng.choice(_STREETS)} {rng.choice(_STREET_KINDS)}, "
            f"{rng.choice(_TOWNS)}")  # fmt: skip


def mistyped_street(rng: random.Random, address: str) -> str:
    """The house number and street as a worker types them from memory: one slip in the street's name."""
    number, name, *rest = address.split(",")[0].split()
    return " ".join([number, _typo(rng, name.lower()) if len(name) > 3 else name, *rest])
