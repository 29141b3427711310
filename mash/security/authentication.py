"""Who an API request is: a valid DRF token, or a session that has passed the second factor.

``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`` is DRF's ``TokenAuthentication`` (as
:class:`TenantTokenAuthentication`) then :class:`VerifiedSessionAuthentication`. That pair is the API's whole
rule, and it sits where DRF decides who the caller is, so it holds for every view (including any a middleware's path
list forgets, and whatever other headers a request carries). ``MultiFactorMiddleware`` answers
a half-signed-in browser earlier with a clearer message, using :func:`token_user` below for
"is there a valid token"; it is not what keeps staff data safe.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from . import mfa


class TenantTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's tenant in the same query: every API request enters it
    at once (``mash.drf.TenantScopedMixin``), so a separate read of it would be one more round trip each."""

    def authenticate_credentials(self, key):
        try:
            token = self.get_model().objects.select_related("user__tenant").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class VerifiedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, for sessions that have passed the second factor only.

    A session signed in with a password alone (staff who have not entered a security code yet) is
    no credential here: the request is anonymous, so every protected view answers 401/403 and
    the open ones (the OpenAPI document) still serve it. CSRF is enforced as in DRF's own class.
    """

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active or not mfa.session_complete(user):
            return None
        return super().authenticate(request)


def token_user(request):
    """The user a valid ``Authorization: Token <key>`` header names, or None (any other header,
    a wrong or revoked key, an inactive user). Asked once per request by the middleware; DRF's
    ``TokenAuthentication`` makes the same decision again inside the view."""
    if not hasattr(request, "_mash_token_user"):
        try:
            found = TenantTokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed:
            found = None
        request._mash_token_user = found[0] if found else None
    return request._mash_token_user
