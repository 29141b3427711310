"""The API's parsers: DRF's, refusing what the product cannot store or recurse through.

JSON: a body nested deeper than :data:`mash.security.input.MAX_JSON_DEPTH` is 400 (Python's own
parser would raise RecursionError, a 500, at about a thousand levels); a string holding NUL or a lone
surrogate is 400 with the top-level field it sits in (the API contract's ``{"field": ["..."]}``).
Form bodies (which DRF also parses for PUT and PATCH, past the input middleware) are held to the same
rule as the pages' forms.
"""

from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

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


class GuardedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if errors := guard.querydict_errors(data):
            raise exceptions.ValidationError(errors)
        return data


class GuardedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if errors := guard.querydict_errors(parsed.data):
            raise exceptions.ValidationError(errors)
        return parsed
