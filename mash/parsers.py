"""The API's only JSON parser: DRF's, refusing what the product cannot store or recurse through.

A body nested deeper than :data:`mash.security.input.MAX_JSON_DEPTH` is 400 (Python's own parser
would raise RecursionError, a 500, at about a thousand levels); a string holding NUL or a lone
surrogate is 400 with the top-level field it sits in (the API contract's ``{"field": ["..."]}``).
"""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from mash.security import input as guard


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(guard.TOO_DEEP_MESSAGE) from None
        try:
            errors = guard.json_errors(data)
        except guard.TooDeep as exc:
            raise exceptions.ParseError(str(exc)) from None
        if errors:
            raise exceptions.ValidationError(errors)
        return data
