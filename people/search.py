"""Find a person in the tenant's register: parse what staff typed, gather candidates in SQL, rank them here.

1. **Parse** one search box: a contact or early-help reference, an NHS number, a date of birth and a
   postcode are recognised wherever they appear; what is left is the name.
2. **Candidates** in one SQL statement (a UNION of bounded sub-selects, each an index scan; pg_trgm's
   thresholds are set once per connection, as it opens). The name: with a date of birth, the children
   born that day and on its typing slips (day and month swapped, one digit, a day or two out) and the
   surname's sound in that year; without one, a word typed right as an exact first or last name
   (covering btree indexes), and the trigram index on ``Person.search_name`` (pg_trgm) only when no
   word is anyone's name or too few people bear it, so a common name costs no read of thousands of
   rows. Then the postcode; the address (strict word similarity on ``Person.search_address``); the
   reference's children; the NHS number. Trigrams are a set of each word's letter triples, so swapped
   first and last names look alike to them. Under SQLite (the embedded default) the name is matched
   by prefix instead (no trigrams there).
3. **Ranking** in Python by the intake matching's own scorer (``contacts.matching``:
   ``name_similarity``, ``dob_similarity``, nicknames, swapped names), over at most a few hundred
   rows, so the cost does not grow with the register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, Func, Q, Value
from django.db.models.functions import Greatest
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from contacts import matching
from contacts.models import ContactPerson, Person
from earlyhelp.models import EarlyHelpChild
from mash.security.input import EARLIEST_DATE

QUERY_MAX = 200
# Rows each sub-select may give: bounded, so ranking in Python costs the same for any register size.
NAME_LIMIT = 120
DOB_LIMIT = 200
POSTCODE_LIMIT = 200
ADDRESS_LIMIT = 200
RESULTS_MAX = 50
# pg_trgm thresholds for the indexed operators (``%`` and ``<%``): the whole name as pg_trgm's default; a single
# word looser than its default (0.6), because a short name with one slip shares few letter triples. A
# misspelled name with a date of birth is also found through the date (and its slips).
SIMILARITY_THRESHOLD = 0.3
WORD_SIMILARITY_THRESHOLD = 0.5
# An address typed is like the words of a known one (strict word similarity, ``<<%``): a slip in the street's
# name passes, another street does not (0.6 keeps a few hundred candidates in 500,000 addresses).
ADDRESS_SIMILARITY_THRESHOLD = 0.6
# Below this trigram likeness a person born on a slipped date is not worth ranking.
SLIPPED_DOB_MIN_SIMILARITY = 0.15

# Weights of what the searcher gave, as the intake matching weighs them (contacts.matching.score).
NAME_WEIGHT, DOB_WEIGHT, POSTCODE_WEIGHT = 0.6, 0.32, 0.08
# An address typed with a name or a date of birth counts as much as a postcode would, more as it says more.
ADDRESS_WEIGHT = 0.2

_REFERENCE = re.compile(r"^(?:EH-)?[A-Z]{2,8}-\d{4}-\d{1,6}$")
_NHS = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_DATE_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b", re.IGNORECASE)
_FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")
# What makes the words typed an address rather than a name: a house number first, or a kind of street.
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?\b", re.IGNORECASE)
STREET_WORDS = frozenset(
    "street st road rd lane ln avenue ave close cl drive dr way court ct crescent cres grove place pl gardens gdns "
    "terrace walk hill row square sq park mews view rise parade green fields flat house cottages".split()
)
_NOT_ADDRESS = re.compile(r"[^a-z0-9]+")


def normalise_address(text: str) -> str:
    """As the database normalises ``Person.search_address``: lower case, anything else than letters and digits
    a single space."""
    return _NOT_ADDRESS.sub(" ", (text or "").lower()).strip()


def looks_like_address(text: str) -> bool:
    words = normalise_address(text).split()
    return bool(words) and (bool(_HOUSE_NUMBER.match(text.strip())) or any(w in STREET_WORDS for w in words))


@dataclass(frozen=True)
class SearchQuery:
    """What the searcher asked for, normalised; any part may be empty."""

    tokens: tuple[str, ...] = ()
    date_of_birth: date | None = None
    postcode: str = ""
    reference: str = ""
    nhs_number: str = ""
    address: str = ""  # normalised (normalise_address)

    @property
    def name(self) -> str:
        return " ".join(self.tokens)

    @property
    def is_empty(self) -> bool:
        return not (
            self.tokens or self.date_of_birth or self.postcode or self.reference or self.nhs_number or self.address
        )

    def as_audit(self) -> dict:
        return {
            "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "postcode": self.postcode,
            "reference": self.reference,
            "nhs_number": self.nhs_number,
            "address": self.address,
        }


class SearchError(ValueError):
    """Input that cannot be searched: ``errors`` is ``{field: [message]}``, shown as a 400 or on the form."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def nhs_number_is_valid(digits: str) -> bool:
    """NHS number check digit (modulus 11): weights 10 down to 2 over the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(value) -> date | None:
    """A date as people type it: 2015-03-12, 12/03/2015, 12.3.2015. None when it is not a real date."""
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if m := _DATE_ISO.fullmatch(text):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DATE_DMY.fullmatch(text):
        return _date(int(m[3]), int(m[2]), int(m[1]))
    return None


def _birth_date_problem(value: date, today: date) -> str | None:
    """What is wrong with a date of birth searched for, or None. A date the search cannot widen by a few days
    (year 1, year 9999) is refused with the rest, not left to fail."""
    if value < EARLIEST_DATE:
        return "Enter a date of birth after 1 January 1900."
    if value > today + timedelta(days=300):
        return "Enter a date of birth in the past (or an expected date within 10 months)."
    return None


def parse(
    q: str = "", *, date_of_birth="", postcode: str = "", address: str = "", today: date | None = None
) -> SearchQuery:
    """Read the search box (and the optional separate fields). Raises :class:`SearchError` on bad input.

    What is left of the box once references, NHS number, date and postcode are taken out is a name, or an
    address when it starts with a house number or names a kind of street ("12 Mill Lane", "Mil Lane")."""
    errors: dict[str, list[str]] = {}
    text = (q or "").strip()
    if len(text) > QUERY_MAX:
        errors["q"] = [f"Search for at most {QUERY_MAX} characters."]
        text = ""
    today = today or date.today()
    reference = nhs = ""
    dob = None
    pc = ""
    words = []
    for word in text.split():
        if _REFERENCE.match(word.upper()):
            reference = word.upper()
        else:
            words.append(word)
    text = " ".join(words)
    if m := _NHS.search(text):
        nhs = m[1] + m[2] + m[3]
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    for pattern, order in ((_DATE_ISO, (1, 2, 3)), (_DATE_DMY, (3, 2, 1))):
        if m := pattern.search(text):
            found = _date(int(m[order[0]]), int(m[order[1]]), int(m[order[2]]))
            if found is None:
                errors["q"] = [f"{m[0]} is not a real date. Enter a date of birth like 27/3/2015."]
            elif problem := _birth_date_problem(found, today):
                errors["q"] = [f"{m[0]} cannot be searched for. {problem}"]
            dob = found
            text = (text[: m.start()] + " " + text[m.end() :]).strip()
            break
    if m := _POSTCODE.search(text):
        pc = matching.normalise_postcode(m[1] + m[2])
        text = (text[: m.start()] + " " + text[m.end() :]).strip()

    if date_of_birth:
        given = parse_date(date_of_birth)
        if given is None:
            errors["date_of_birth"] = ["Enter a real date of birth, like 2015-03-27 or 27/3/2015."]
        elif problem := _birth_date_problem(given, today):
            errors["date_of_birth"] = [problem]
        else:
            dob = given
    if postcode:
        given_pc = matching.normalise_postcode(postcode)
        if not _FULL_POSTCODE.match(given_pc) or len(given_pc) > 7:
            errors["postcode"] = ["Enter a full postcode, like CB1 2AB."]
        else:
            pc = given_pc
    if len(address or "") > QUERY_MAX:
        errors["address"] = [f"Enter an address of at most {QUERY_MAX} characters."]
    if errors:
        raise SearchError(errors)
    address = normalise_address(address)
    if not address and looks_like_address(text):
        address, text = normalise_address(text), ""
    tokens = tuple(matching.normalise_name(text).replace("-", " ").split())[:6]
    query = SearchQuery(
        tokens=tokens, date_of_birth=dob, postcode=pc, reference=reference, nhs_number=nhs, address=address
    )
    if query.is_empty:
        raise SearchError(
            {"q": ["Enter a name, a date of birth, a postcode, an address, a reference or an NHS number."]}
        )
    return query


# --- candidates -------------------------------------------------------------------------------------------


class _TrigramSimilar(Func):
    """``search_name % 'text'``: trigram similarity at least pg_trgm.similarity_threshold (GIN-indexed)."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _WordSimilar(Func):
    """``'text' <% search_name``: ``text`` is like some run of words in the name (GIN-indexed)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _StrictWordSimilar(Func):
    """``'text' <<% search_address``: ``text`` is like some whole words of the address (GIN-indexed)."""

    arg_joiner = " <<%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _StrictWordSimilarity(Func):
    function = "strict_word_similarity"


class _Similarity(Func):
    function = "similarity"


class _WordSimilarity(Func):
    function = "word_similarity"


def name_variants(tokens: tuple[str, ...]) -> list[str]:
    """The name as typed, and with the first word's nicknames or full names (matching.NICKNAMES)."""
    if not tokens:
        return []
    variants = [" ".join(tokens)]
    first, rest = tokens[0], tokens[1:]
    others = set(matching.NICKNAMES.get(first, ()))
    others |= {full for full, nicks in matching.NICKNAMES.items() if first in nicks}
    for other in sorted(others)[:3]:
        variants.append(" ".join((other, *rest)))
    return variants


def dob_variants(dob: date) -> list[date]:
    """The date and its common typing slips: day and month swapped, one digit out, a day or two out."""
    found = {dob}
    if dob.day <= 12:
        found.add(_date(dob.year, dob.day, dob.month))
    found.update(dob + timedelta(days=d) for d in (-2, -1, 1, 2))
    digits = dob.strftime("%Y%m%d")
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                text = digits[:i] + d + digits[i + 1 :]
                found.add(_date(int(text[:4]), int(text[4:6]), int(text[6:])))
    found.discard(None)
    return sorted(found)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


THRESHOLDS_SQL = (
    "SELECT set_config('pg_trgm.similarity_threshold', %s, false),"
    " set_config('pg_trgm.word_similarity_threshold', %s, false),"
    " set_config('pg_trgm.strict_word_similarity_threshold', %s, false)"
)


def set_thresholds(sender=None, connection=None, **kwargs) -> None:
    """The pg_trgm thresholds of the search's indexed operators, for the whole session: set once when Django
    opens a PostgreSQL connection (``connection_created``, people.apps), in autocommit, so no transaction's
    rollback undoes them and no search spends a round trip on them. The same values for every search."""
    if connection is None or connection.vendor != "postgresql":
        return
    with connection.connection.cursor() as cursor:  # scoping: allowed - sets pg_trgm thresholds, reads no rows
        cursor.execute(
            THRESHOLDS_SQL,
            [str(SIMILARITY_THRESHOLD), str(WORD_SIMILARITY_THRESHOLD), str(ADDRESS_SIMILARITY_THRESHOLD)],
        )


def surname_keys(query: SearchQuery) -> list[str]:
    """The intake matching's blocking keys (phonetic surname and birth year) for every way the words typed may
    hold the surname: each word (names swapped), and the last words joined (a double-barrelled name)."""
    if query.date_of_birth is None or not query.tokens:
        return []
    tails = [query.tokens[i:] for i in range(len(query.tokens))]
    surnames = set(query.tokens) | {"-".join(t) for t in tails} | {" ".join(t) for t in tails}
    return sorted({k for k in (matching.surname_key(n, query.date_of_birth) for n in surnames) if k})


def _name_subqueries(register, query: SearchQuery) -> list:
    variants = name_variants(query.tokens)
    if not variants:
        return []
    subqueries = []
    if _is_postgres() and query.date_of_birth is not None:
        # With a date of birth, the children born that day (and on its typing slips) are all read already
        # (_dob_subqueries), whatever their name or nickname. A date slipped beyond those is caught by the
        # surname's sound in the year typed: an index lookup of the intake's blocking key, not a trigram scan of
        # every similar name in the register (thousands of heap rows for a common name).
        keys = surname_keys(query)
        if keys:
            subqueries.append(_ranked_by_name(register.filter(surname_key__in=keys), query).values("pk")[:NAME_LIMIT])
        return subqueries
    if _is_postgres() and len(query.tokens) > 1:
        # Two words or more, no date of birth. A word spelt right is a first or last name exactly (covering
        # btree indexes, index-only): the entries of that name whose other name starts as another word typed
        # does (its first letter, or its second and third after a slip in the first), ranked by likeness. Only
        # those few have their likeness computed, not every David or Smith in the register (a trigram scan of
        # the whole name read thousands of similar names from the table). Only when no word typed is anyone's
        # name (a slip in each word) the trigram index is read: every word like some word of the name (``<%``),
        # in either order (swapped names too), for each nickname of the first word.
        tokens = query.tokens
        firsts = {v.split()[0] for v in variants}
        as_first, as_last, lasts = [], [], set()
        for i, word in enumerate(tokens):
            starts = _starts(tokens[:i] + tokens[i + 1 :])
            for name in sorted({word} | (firsts if i == 0 else set())):
                as_first.append(f"{re.escape(name)} (?:{starts})")
        # The last name: any word, or the words before or after the others joined (a double-barrelled name).
        splits = [((w,), tokens[:i] + tokens[i + 1 :]) for i, w in enumerate(tokens)]
        splits += [(tokens[i:], tokens[:i]) for i in range(1, len(tokens) - 1)]
        splits += [(tokens[:i], tokens[i:]) for i in range(2, len(tokens))]
        for part, others in splits:
            for last in {"-".join(part), " ".join(part)}:
                lasts.add(last)
                as_last.append(f"(?:{_starts(others)}).* {re.escape(last)}$")
        names, words = sorted(firsts | set(tokens)), sorted(lasts)
        anchored = [
            register.filter(norm_first__in=names, search_name__regex=f"^(?:{'|'.join(as_first)})"),
            register.filter(norm_last__in=words, search_name__regex=f"^(?:{'|'.join(as_last)})"),
        ]
        subqueries += [_ranked_by_name(people, query).values("pk")[:NAME_LIMIT] for people in anchored]
        nobody = ~Exists(register.filter(norm_first__in=names)) & ~Exists(register.filter(norm_last__in=words))
        alike = [reduce(and_, [_WordSimilar(Value(w), F("search_name")) for w in v.split()]) for v in variants]
        likeness = [_Similarity(F("search_name"), Value(v)) for v in variants]
        best = Greatest(*likeness) if len(likeness) > 1 else likeness[0]
        ranked = register.filter(nobody, reduce(or_, alike)).order_by(best.desc(), "pk")
        subqueries.append(ranked.values("pk")[:NAME_LIMIT])
        return subqueries
    if _is_postgres():
        # One word, no date of birth: the people of that first or last name (or a nickname's), newest first, as
        # the ranking breaks their ties (an exact name scores 1). Only when fewer than NAME_LIMIT people bear
        # it (a slip, a rare name) the trigram index is read for names like it: with more, those could never
        # rank among the results (below every exact one), and reading thousands of Smiths' rows is the cost.
        word = query.tokens[0]
        names = sorted({v.split()[0] for v in variants})
        exact = [register.filter(norm_first__in=names), register.filter(norm_last=word)]
        subqueries += [people.order_by("-pk").values("pk")[:NAME_LIMIT] for people in exact]
        enough = reduce(or_, [Exists(people.values("pk")[NAME_LIMIT - 1 : NAME_LIMIT]) for people in exact])
        for variant in variants:
            ranked = register.filter(~enough, _WordSimilar(Value(variant), F("search_name"))).order_by(
                _WordSimilarity(Value(variant), F("search_name")).desc(), "pk"
            )
            subqueries.append(ranked.values("pk")[:NAME_LIMIT])
        return subqueries
    # SQLite: no trigrams. The first two letters of any word of the name, in either name.
    prefixes = Q()
    for token in query.tokens[:3]:
        prefixes |= Q(norm_first__startswith=token[:2]) | Q(norm_last__startswith=token[:2])
    subqueries.append(register.filter(prefixes).order_by("pk").values("pk")[: NAME_LIMIT * 4])
    return subqueries


def _starts(words) -> str:
    """A regular expression alternation for how a name typed as one of ``words`` starts in the register: its
    first letter, or any letter then its second and third (a slip in the first letter)."""
    found = set()
    for word in words:
        found.add(re.escape(word[0]))
        if len(word) > 1:
            found.add("." + re.escape(word[1:3]))
    return "|".join(sorted(found))


def _ranked_by_name(queryset, query: SearchQuery, *, minimum: float | None = None):
    if query.tokens and _is_postgres():
        likeness = _Similarity(F("search_name"), Value(query.name))
        if minimum is not None:
            queryset = queryset.annotate(_likeness=likeness).filter(_likeness__gte=minimum)
        return queryset.order_by(likeness.desc(), "pk")
    return queryset.order_by("pk")


def _dob_subqueries(register, query: SearchQuery) -> list:
    if query.date_of_birth is None:
        return []
    exact = register.filter(date_of_birth=query.date_of_birth)
    subqueries = [_ranked_by_name(exact, query).values("pk")[:DOB_LIMIT]]
    # An unborn child has no date of birth: a date searched for finds them by their expected date of delivery.
    due = register.filter(unborn=True, expected_date=query.date_of_birth)
    subqueries.append(_ranked_by_name(due, query).values("pk")[:DOB_LIMIT])
    if query.tokens:
        slipped = register.filter(date_of_birth__in=[d for d in dob_variants(query.date_of_birth)])
        minimum = SLIPPED_DOB_MIN_SIMILARITY if _is_postgres() else None
        subqueries.append(_ranked_by_name(slipped, query, minimum=minimum).values("pk")[:DOB_LIMIT])
    return subqueries


def _reference_people(reference: str):
    return ContactPerson.objects.filter(contact__reference=reference, person__isnull=False).values("person_id")


def _early_help_people(reference: str):
    return EarlyHelpChild.objects.filter(request__reference=reference, person__isnull=False).values("person_id")


CANDIDATE_FIELDS = ("pk", "first_name", "last_name", "norm_first", "norm_last", "date_of_birth", "postcode", "sex",
                    "nhs_number", "by_reference", "unborn", "expected_date", "search_address")  # fmt: skip


def _address_subqueries(register, query: SearchQuery) -> list:
    """People whose last known address contains something like the address typed (trigram word similarity,
    the GIN index on ``search_address``), most alike first; under SQLite, those containing its longest word."""
    if not query.address:
        return []
    if _is_postgres():
        ranked = register.filter(_StrictWordSimilar(Value(query.address), F("search_address"))).order_by(
            _StrictWordSimilarity(Value(query.address), F("search_address")).desc(), "pk"
        )
    else:
        longest = max(query.address.split(), key=len)
        ranked = register.filter(search_address__contains=longest).order_by("pk")
    return [ranked.values("pk")[:ADDRESS_LIMIT]]


def candidates(query: SearchQuery) -> list[dict]:
    """Register entries worth ranking for ``query``: one SQL statement."""
    register = Person.objects.filter(merged_into__isnull=True)
    subqueries = _name_subqueries(register, query) + _dob_subqueries(register, query)
    subqueries += _address_subqueries(register, query)
    if query.postcode:
        subqueries.append(
            _ranked_by_name(register.filter(postcode=query.postcode), query).values("pk")[:POSTCODE_LIMIT]
        )
    by_reference = Value(False, output_field=BooleanField())
    if query.reference:
        found = Q(pk__in=_reference_people(query.reference)) | Q(pk__in=_early_help_people(query.reference))
        subqueries += [_reference_people(query.reference), _early_help_people(query.reference)]
        by_reference = ExpressionWrapper(found, output_field=BooleanField())
    if query.nhs_number:
        subqueries.append(register.filter(nhs_number=query.nhs_number).values("pk"))
    if not subqueries:
        return []
    if _is_postgres():
        # One IN over a UNION of the bounded sub-selects: the planner joins the few ids found on the primary
        # key (an OR of IN sub-selects would test every row of the register).
        ids = subqueries[0].union(*subqueries[1:]) if len(subqueries) > 1 else subqueries[0]
        condition = Q(pk__in=ids)
    else:
        condition = reduce(or_, [Q(pk__in=s) for s in subqueries])  # SQLite: no LIMIT inside a UNION's parts
    rows = register.filter(condition).annotate(by_reference=by_reference).values(*CANDIDATE_FIELDS)
    return list(rows)


# --- ranking ---------------------------------------------------------------------------------------------


@dataclass
class Hit:
    person_id: int
    score: float
    reasons: dict = field(default_factory=dict)


def _name_score(tokens: tuple[str, ...], other: matching.PersonKey) -> tuple[float, float, str]:
    """(name likeness, first-name likeness, rule): the intake scorer over each split of the words into
    first and last name (it tries them swapped too); one word is compared with every part of the name."""
    if len(tokens) == 1:
        parts = (other.first + " " + other.last).replace("-", " ").split()
        best = max((JaroWinkler.similarity(tokens[0], part) for part in parts), default=0.0)
        return best, 1.0, "one name"
    best = (0.0, 0.0, "names")
    for cut in range(1, len(tokens)):
        probe = matching.PersonKey(" ".join(tokens[:cut]), " ".join(tokens[cut:]), None)
        found = matching.name_similarity(probe, other)
        if found[0] > best[0]:
            best = found
    return best


def address_similarity(typed: str, known: str) -> float:
    """How like the known address (normalised) the typed one is, 0 to 1: the best alignment of the typed words
    inside the address (a slip or two costs little), but another house number is another home."""
    if not typed or not known:
        return 0.0
    value = fuzz.partial_ratio(typed, known) / 100
    number = _HOUSE_NUMBER.match(typed)
    if number and number[0] not in known.split():
        value = min(value, 0.6)
    return round(value, 3)


def score(query: SearchQuery, row: dict) -> Hit:
    """How well one register entry answers the query, 0 to 1, with the reasons shown to staff."""
    if (query.nhs_number and row["nhs_number"] == query.nhs_number) or (query.reference and row["by_reference"]):
        why = "NHS number" if query.nhs_number and row["nhs_number"] == query.nhs_number else "reference"
        return Hit(row["pk"], 1.0, {"matched": why})
    # An unborn child is compared on the expected date of delivery, the date staff know them by until the birth.
    born = row["expected_date"] if row.get("unborn") else row["date_of_birth"]
    other = matching.PersonKey(row["norm_first"], row["norm_last"], born, row["postcode"])
    total = weights = 0.0
    reasons: dict = {}
    cap = 1.0
    if query.tokens:
        names, first, rule = _name_score(query.tokens, other)
        total += NAME_WEIGHT * names
        weights += NAME_WEIGHT
        reasons["names"], reasons["name_rule"] = round(names, 3), rule
        if first < matching.FIRST_NAME_GATE:
            cap = min(cap, 0.75)
    if query.date_of_birth is not None:
        dob, reasons["date_of_birth"] = matching.dob_similarity(query.date_of_birth, born)
        if row.get("unborn") and dob == 1.0:
            reasons["date_of_birth"] = "same expected date of delivery"
        total += DOB_WEIGHT * dob
        weights += DOB_WEIGHT
        if dob == 0.0:
            cap = min(cap, 0.7)  # a different date of birth is a different child, whatever the name
    if query.postcode:
        if row["postcode"] == query.postcode:
            postcode, reasons["postcode"] = 1.0, "same postcode"
        elif row["postcode"] and row["postcode"][:-3] == query.postcode[:-3]:
            postcode, reasons["postcode"] = 0.6, "same postcode district"
        else:
            postcode, reasons["postcode"] = 0.0, "other postcode"
        total += POSTCODE_WEIGHT * postcode
        weights += POSTCODE_WEIGHT
        if not query.tokens and query.date_of_birth is None and not query.address:
            total, weights = postcode, 1.0  # a postcode alone: the postcode is the whole answer
    if query.address:
        address = address_similarity(query.address, row["search_address"] or "")
        reasons["address"] = (
            "same address" if address >= 0.95 else "address alike" if address >= 0.7 else "other address"
        )
        if query.tokens or query.date_of_birth is not None:
            total += ADDRESS_WEIGHT * address
            weights += ADDRESS_WEIGHT
        else:  # an address (with a postcode perhaps): the address is most of the answer
            total += address
            weights += 1.0
    value = min(total / weights, cap) if weights else 0.0
    return Hit(row["pk"], round(value, 3), reasons)


def search(query: SearchQuery, *, limit: int = RESULTS_MAX) -> list[Hit]:
    """The best ``limit`` register entries for ``query``, best first (ties: the newest entry first)."""
    hits = [score(query, row) for row in candidates(query)]
    hits.sort(key=lambda h: (-h.score, -h.person_id))
    return hits[:limit]
