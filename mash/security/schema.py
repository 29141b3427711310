"""The OpenAPI document describes :class:`VerifiedSessionAuthentication` as DRF's session scheme
(``cookieAuth``), as it was before the class replaced ``SessionAuthentication``. Registered from
``SecurityConfig.ready`` (drf-spectacular cannot be imported while DRF loads its settings)."""

from drf_spectacular.authentication import SessionScheme


class VerifiedSessionScheme(SessionScheme):
    target_class = "mash.security.authentication.VerifiedSessionAuthentication"
