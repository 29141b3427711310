from django.conf import settings

from .middleware import LAST_SEEN_RESOLUTION


def session_timeout(request):
    """The idle timeout the page's warning dialog counts down (templates/security/timeout_warning.html)."""
    return {
        "session_idle_timeout": getattr(settings, "SESSION_IDLE_TIMEOUT", 0),
        "session_idle_warning": getattr(settings, "SESSION_IDLE_WARNING", 120),
        "session_idle_resolution": LAST_SEEN_RESOLUTION,
    }
