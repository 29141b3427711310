"""Input the product cannot store or process is refused at the door, in one place, as a field error.

* Unstorable characters: NUL (PostgreSQL text cannot hold U+0000) and lone surrogates (U+D800 to
  U+DFFF, which have no UTF-8 encoding). Either one reaching the database is an exception, not a
  validation error, so it is refused before any view runs: in the query string and form fields by
  :class:`InputGuardMiddleware`, in JSON bodies by :class:`mash.parsers.GuardedJSONParser`. Other
  control characters are storable and escaped on every page; they are kept, because text pasted
  from a word processor carries some (a vertical tab for a manual line break) and a referral must
  not be refused for a character its author cannot see.
* JSON nesting deeper than :data:`MAX_JSON_DEPTH`: no request of the contract nests deeper than
  four levels; a deeper body is refused before anything recurses through it.
* Dates outside :data:`EARLIEST_DATE` to :data:`LATEST_DATE`: a date the service can add a day to
  and convert between UTC and a tenant's zone (year 1 and year 9999 cannot), see :func:`date_in_range`.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Remove the hidden control character (such as a NUL) from this text: it cannot be stored."

# The contract's deepest body (a contact's children's details) nests four levels; 32 leaves room for
# any reasonable change and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32
TOO_DEEP_MESSAGE = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."

EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)
DATE_OUT_OF_RANGE = "Enter a date between 1900 and 2100."

# Query-string and form field errors have no field when the name itself is unstorable.
NON_FIELD = "non_field_errors"


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def date_in_range(value: date) -> None:
    """Validator for every date a person or system may type (forms and serializers)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")


def querydict_errors(params) -> dict[str, list[str]]:
    """Field errors for every parameter of a QueryDict whose name or a value cannot be stored."""
    errors: dict[str, list[str]] = {}
    for name, values in params.lists():
        if not is_storable(name):
            errors[NON_FIELD] = [UNSTORABLE_MESSAGE]
        elif any(isinstance(v, str) and not is_storable(v) for v in values):
            errors[name] = [UNSTORABLE_MESSAGE]
    return errors


class TooDeep(ValueError):
    pass


def json_errors(data) -> dict[str, list[str]]:
    """Field errors for a parsed JSON body: each top-level field holding an unstorable string anywhere
    inside it. Raises :class:`TooDeep` past :data:`MAX_JSON_DEPTH`. Iterative: never recurses."""
    errors: dict[str, list[str]] = {}
    # (value, depth, the top-level field it belongs to)
    pending = [(data, 1, None)]
    while pending:
        value, depth, field = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise TooDeep(TOO_DEEP_MESSAGE)
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and not is_storable(key):
                    errors[field or NON_FIELD] = [UNSTORABLE_MESSAGE]
                    continue
                pending.append((item, depth + 1, field if field is not None or key is None else key))
        elif isinstance(value, str) and not is_storable(value):
            errors[field or NON_FIELD] = [UNSTORABLE_MESSAGE]
    return errors


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _has_form_body(request) -> bool:
    return request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )


class InputGuardMiddleware:
    """Refuse a request whose path, query string or form fields hold a character that cannot be stored.

    A path is 404 (no such page); a parameter or field is 400 with the field's error: JSON
    ``{"field": ["..."]}`` under /api/ (the API contract), otherwise a GOV.UK error page. It runs before
    sessions and sign-in, so it reads nothing about the person and answers everyone alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_storable(request.path_info):
            if _is_api(request):
                return JsonResponse({"detail": "Not found."}, status=404)
            raise Http404("No such page.")
        errors = querydict_errors(request.GET)
        if not errors and _has_form_body(request):
            errors = querydict_errors(request.POST)
        if errors:
            return self.refuse(request, errors)
        return self.get_response(request)

    @staticmethod
    def refuse(request, errors):
        if _is_api(request):
            return JsonResponse(errors, status=400)
        fields = sorted(name for name in errors if name != NON_FIELD)
        return render(request, "400.html", {"fields": fields, "message": UNSTORABLE_MESSAGE}, status=400)
