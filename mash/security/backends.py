"""Lockout after repeated failed sign-ins (django-axes)."""

from axes.backends import AxesStandaloneBackend


def lockout_username(request, credentials) -> str:
    """The name failures are counted against. Usernames are unique across tenants and begin with
    the tenant's slug (``durham-triage``), so counting per username is counting per tenant's user;
    case and spaces do not open a fresh count."""
    username = (credentials or {}).get("username") or ""
    return str(username).strip().lower()


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    ``authenticate()`` without a request (management commands, the test client's ``login()``)
    has no sign-in form to lock; it is left to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
