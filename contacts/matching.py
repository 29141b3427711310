"""Is this child already known? Indexed blocking, then fuzzy scoring.

1. **Blocking**: only register entries sharing at least one key with the new mention are read,
   each key an indexed column: the exact date of birth; a phonetic code of the surname with
   the birth year (catches misspellings); the postcode with the first initial (catches a
   mistyped date of birth). One query, an OR of three index scans.
2. **Scoring** (pure functions, no database): Jaro-Winkler on normalised names, also with
   first and last name swapped and per part of a hyphenated surname, common nicknames; dates
   of birth that agree, or differ by a typing slip (day and month swapped, one digit); postcode.

A score of at least ``POSSIBLE`` makes a *possible match* for triage to confirm or reject; at
least ``STRONG`` counts as the same child for ``previous_contacts`` until triage says otherwise.
Identical normalised names and date of birth are the same register entry outright.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import jellyfish
from django.db.models import Q
from rapidfuzz.distance import JaroWinkler, Levenshtein

POSSIBLE = 0.80
STRONG = 0.92

_SPACES = re.compile(r"[\s\-]+")

# Characters that join the letters either side of them (O'Brien, and its typographic forms): dropped, never a break.
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u0060\u00b4")
# Hyphens and dashes: kept only between two letters (a double-barrelled surname), as "-".
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")
# Purely typographic letters: the Arabic tatweel (it only stretches a word). Invisible format characters
# (direction marks and overrides, zero-width joiners: category Cf) are dropped by category.
_IGNORED = frozenset("\u0640")

# What almost every stored name already is (checked before normalising it again, which costs more).
_PLAIN_NORMALISED = re.compile(r"[a-z]+(?:[ \-][a-z]+)*")

# Normalised names are stored (``Person.norm_first``/``norm_last``): never longer than the column.
NORMALISED_MAX = 100

# A few common English nicknames; both directions are checked.
NICKNAMES = {
    "alexander": {"alex", "sandy", "xander"},
    "alexandra": {"alex", "lexi", "sandra"},
    "anthony": {"tony"},
    "benjamin": {"ben", "benji"},
    "charles": {"charlie", "chas"},
    "charlotte": {"lottie", "charlie"},
    "christopher": {"chris", "kit"},
    "daniel": {"dan", "danny"},
    "edward": {"ed", "eddie", "ted", "teddy"},
    "elizabeth": {"liz", "lizzie", "beth", "betty", "eliza", "libby"},
    "ellie": {"eleanor", "ella"},
    "frederick": {"fred", "freddie"},
    "harry": {"henry", "harold"},
    "jacob": {"jake"},
    "james": {"jim", "jimmy", "jamie"},
    "jennifer": {"jen", "jenny"},
    "jessica": {"jess", "jessie"},
    "jonathan": {"jon", "jonny"},
    "joseph": {"joe", "joey"},
    "joshua": {"josh"},
    "katherine": {"kate", "katie", "kath", "kitty"},
    "catherine": {"cath", "cathy", "kate", "katie"},
    "margaret": {"maggie", "meg", "peggy"},
    "matthew": {"matt", "matty"},
    "michael": {"mike", "mikey", "mick"},
    "nicholas": {"nick", "nicky"},
    "oliver": {"olly", "ollie"},
    "rebecca": {"becky", "becca"},
    "richard": {"rich", "rick", "ricky", "dick"},
    "robert": {"rob", "robbie", "bob", "bobby"},
    "samuel": {"sam", "sammy"},
    "samantha": {"sam", "sammy"},
    "sophia": {"sophie"},
    "thomas": {"tom", "tommy"},
    "victoria": {"vicky", "tori"},
    "william": {"will", "bill", "billy", "liam", "willy"},
    "zachary": {"zach", "zak"},
}
_NICK_PAIRS = {frozenset((full, nick)) for full, nicks in NICKNAMES.items() for nick in nicks}


def normalise_name(value: str) -> str:
    """Letters only, in any script: case-folded, accents and other combining marks dropped, one space
    between words, a hyphen only between two letters (it splits a double-barrelled surname).

    A name with no letters at all (``-``, ``'``, ``.``, ``2015-02-30``, digits, emoji, marks alone,
    spaces) normalises to ``""``: the name is unknown, and an unknown name never matches anything.
    Compatibility forms are unfolded first (``ﬁ`` is ``fi``), so the result is capped at the column width.
    """
    # Unfold (NFKD) before case-folding, which can itself leave letters with accents to take apart again.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", value or "").casefold())
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("L") and char not in _IGNORED:
            out.append(char)
        elif category.startswith("M") or category == "Cf" or char in _APOSTROPHES or char in _IGNORED:
            continue  # accents, vowel signs, direction marks, joiners: not a break between letters
        elif char in _HYPHENS:
            out.append("-")
        else:
            out.append(" ")
    words = ("-".join(part for part in word.split("-") if part) for word in "".join(out).split())
    joined = " ".join(word for word in words if word)
    return unicodedata.normalize("NFC", joined)[:NORMALISED_MAX].rstrip(" -")


def _renormalised(stored: str) -> str:
    stored = stored or ""
    return stored if _PLAIN_NORMALISED.fullmatch(stored) else normalise_name(stored)


def normalise_postcode(value: str) -> str:
    return re.sub(r"\s+", "", (value or "").upper())


def _name_parts(value: str) -> list[str]:
    """The words of a normalised name (a hyphen splits too); none for an unknown name."""
    return [p for p in _SPACES.split(value or "") if p]


def phonetic(value: str) -> str:
    """Soundex of the first part of the name: forgiving of misspellings after the first letter."""
    parts = _name_parts(value)
    return jellyfish.soundex(parts[0]) if parts else ""


def surname_key(norm_last: str, dob: date | None) -> str:
    code = phonetic(norm_last)
    if not code or dob is None:
        return ""
    return f"{code[:8]}:{dob.year}"  # Soundex keeps a non-Latin first letter, which may upper-case to several


def postcode_key(norm_first: str, postcode: str) -> str:
    # At most 10 characters of postcode (a UK one has 7): the key fits the register's 12-character column
    # whatever a channel let through (Hypothesis found an 11-character "postcode" overflowing it).
    postcode = normalise_postcode(postcode)[:10]
    parts = _name_parts(norm_first)
    if not postcode or not parts:
        return ""
    return f"{postcode}:{parts[0][0]}"


@dataclass(frozen=True)
class PersonKey:
    """What matching compares: normalised names, date of birth, normalised postcode."""

    first: str
    last: str
    dob: date | None
    postcode: str = ""
    sex: str = ""

    @classmethod
    def of(cls, first_name: str, last_name: str, dob: date | None, postcode: str = "", sex: str = "") -> PersonKey:
        sex = sex if sex in ("F", "M") else ""
        return cls(normalise_name(first_name), normalise_name(last_name), dob, normalise_postcode(postcode), sex)

    @classmethod
    def stored(cls, norm_first: str, norm_last: str, dob: date | None, postcode: str = "", sex: str = "") -> PersonKey:
        """A register entry as stored. Normalising again is a no-op for entries normalised as now, and
        makes an entry stored by an older rule that kept punctuation (``-``) an unknown name."""
        sex = sex if sex in ("F", "M") else ""
        return cls(_renormalised(norm_first), _renormalised(norm_last), dob, postcode or "", sex)

    @property
    def known_name(self) -> bool:
        return bool(self.first and self.last)

    @property
    def surname_key(self) -> str:
        return surname_key(self.last, self.dob)

    @property
    def postcode_key(self) -> str:
        return postcode_key(self.first, self.postcode)


def register_fields(first_name: str, last_name: str, dob: date | None, postcode: str = "", sex: str = "") -> dict:
    """The columns of a register entry (``contacts.Person``), blocking keys included."""
    key = PersonKey.of(first_name, last_name, dob, postcode, sex)
    return {
        "first_name": first_name,
        "last_name": last_name,
        "norm_first": key.first,
        "norm_last": key.last,
        "date_of_birth": dob,
        "sex": sex or "U",
        "postcode": key.postcode,
        "surname_key": key.surname_key,
        "postcode_key": key.postcode_key,
    }


def _first_name_similarity(a: str, b: str) -> float:
    parts_a, parts_b = _name_parts(a), _name_parts(b)
    if not parts_a or not parts_b:
        return 0.0  # an unknown name is like no other, not even another unknown one
    if a == b:
        return 1.0
    first_a, first_b = parts_a[0], parts_b[0]
    if frozenset((first_a, first_b)) in _NICK_PAIRS:
        return 0.95
    return max(JaroWinkler.similarity(a, b), JaroWinkler.similarity(first_a, first_b) - 0.02)


def _surname_similarity(a: str, b: str) -> float:
    """Whole names, or any part of a double-barrelled surname against the other (a hyphen added or dropped)."""
    parts_a, parts_b = _name_parts(a), _name_parts(b)
    if not parts_a or not parts_b:
        return 0.0
    if a == b:
        return 1.0
    best = JaroWinkler.similarity(a, b)
    if len(parts_a) > 1 or len(parts_b) > 1:
        for pa in parts_a:
            for pb in parts_b:
                if len(pa) > 1 and len(pb) > 1:
                    best = max(best, JaroWinkler.similarity(pa, pb) - 0.04)
    return best


# The most two records with different dates of birth can score: below a possible match, so best_candidates
# never scores them (tests/contacts/test_matching.py fails if either number moves past the other).
DIFFERENT_DOB_CAP = 0.7

# Below this first-name likeness two children are different people, however alike the rest is:
# twins share a surname, a date of birth and a postcode.
FIRST_NAME_GATE = 0.82


def name_similarity(a: PersonKey, b: PersonKey) -> tuple[float, float, str]:
    """(overall name likeness, first-name likeness, which rule) for two records."""
    first, last = _first_name_similarity(a.first, b.first), _surname_similarity(a.last, b.last)
    swapped_first, swapped_last = _first_name_similarity(a.first, b.last), _surname_similarity(a.last, b.first)
    straight = 0.5 * first + 0.5 * last
    swapped = 0.5 * swapped_first + 0.5 * swapped_last - 0.03
    if swapped > straight:
        return swapped, min(swapped_first, swapped_last), "names swapped"
    return straight, first, "names"


def _digits(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"  # strftime does not pad years before 1000


def dob_similarity(a: date | None, b: date | None) -> tuple[float, str]:
    if a is None or b is None:
        return 0.5, "date of birth missing"
    if a == b:
        return 1.0, "same date of birth"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return 0.85, "day and month swapped"
    distance = Levenshtein.distance(_digits(a), _digits(b))
    if distance == 1:
        return 0.8, "date of birth differs by one digit"
    if abs((a - b).days) <= 2:
        return 0.75, "date of birth within two days"
    if distance == 2 and a.year == b.year:
        return 0.45, "date of birth differs by two digits"
    return 0.0, "different date of birth"


def score(a: PersonKey, b: PersonKey) -> tuple[float, dict]:
    """How likely two records are the same person, 0 to 1, with the reasons shown to triage."""
    names, first, name_reason = name_similarity(a, b)
    dob, dob_reason = dob_similarity(a.dob, b.dob)
    if a.postcode and b.postcode:
        postcode = 1.0 if a.postcode == b.postcode else (0.6 if a.postcode[:-3] == b.postcode[:-3] else 0.3)
    else:
        postcode = 0.5
    total = 0.6 * names + 0.32 * dob + 0.08 * postcode
    if dob == 0.0:
        total = min(total, DIFFERENT_DOB_CAP)  # a different date of birth is a different child, whatever the name
    if first < FIRST_NAME_GATE:
        total = min(total, 0.75)
    if a.sex and b.sex and a.sex != b.sex:
        total = min(total, STRONG - 0.05)  # worth a look (a slip?), never the same child by default
    reasons = {
        "names": round(names, 3),
        "name_rule": name_reason,
        "date_of_birth": dob_reason,
        "postcode": "same postcode" if postcode == 1.0 else ("no postcode" if postcode == 0.5 else "other postcode"),
    }
    return round(min(total, 1.0), 3), reasons


def is_identical(a: PersonKey, b: PersonKey) -> bool:
    """The same known names and date of birth. Two unknown names are not the same child."""
    return a.known_name and a.first == b.first and a.last == b.last and a.dob is not None and a.dob == b.dob


def blocking_filter(key: PersonKey) -> Q | None:
    """The OR of the blocking keys this record has (None when it has none)."""
    q = Q()
    if key.dob is not None:
        q |= Q(date_of_birth=key.dob)
    if key.surname_key:
        q |= Q(surname_key=key.surname_key)
    if key.postcode_key:
        q |= Q(postcode_key=key.postcode_key)
    return q or None


@dataclass(frozen=True)
class Candidate:
    person_id: int
    score: float
    reasons: dict
    identical: bool
    address: str = ""  # the register entry's last known address (intake keeps it current without re-reading)


CANDIDATE_FIELDS = ("id", "norm_first", "norm_last", "date_of_birth", "postcode", "sex", "address")


def find_candidates(key: PersonKey, *, queryset, limit: int = 10) -> list[Candidate]:
    """Score the register entries sharing a blocking key with ``key``; best first, possible matches only."""
    q = blocking_filter(key)
    if q is None:
        return []
    rows = queryset.filter(q, merged_into__isnull=True).values_list(*CANDIDATE_FIELDS)
    return best_candidates(key, rows, limit=limit)


def best_candidates(key: PersonKey, rows, *, limit: int = 10) -> list[Candidate]:
    """The possible matches among register ``rows`` (``CANDIDATE_FIELDS`` each), best first.

    A block is mostly people born on other days (a surname's sound and year of birth, or a postcode): their
    dates of birth alone cap their score below a possible match, so their names are never compared."""
    found = []
    for pid, first, last, dob, postcode, sex, address in rows:
        if dob_similarity(key.dob, dob)[0] == 0.0:
            continue  # at most DIFFERENT_DOB_CAP, below POSSIBLE
        other = PersonKey.stored(first, last, dob, postcode, sex)
        value, reasons = score(key, other)
        if value >= POSSIBLE:
            found.append(Candidate(pid, value, reasons, is_identical(key, other), address))
    found.sort(key=lambda c: (not c.identical, -c.score, c.person_id))
    return found[:limit]
