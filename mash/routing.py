"""One API router for the whole product, and discovery of each capability's URL modules.

Each capability adds ``<app>/api_urls.py`` (``register(router)`` for viewsets and an optional
``urlpatterns`` of other API paths under /api/v1/) and ``<app>/urls.py`` for pages. Registering
every viewset on this one router is what lets the isolation tests enumerate them all.
"""

from importlib import import_module

from rest_framework.routers import DefaultRouter

# No format-suffix routes (/contacts.json): the API speaks JSON only (docs/API.md), and the suffix
# routes passed a ``format`` argument that the viewsets' own actions do not take (a 500).
router = DefaultRouter()
router.include_format_suffixes = False

CAPABILITIES = [
    "mash",
    "deadlines",
    "thresholds",
    "contacts",
    "triage",
    "navigators",
    "earlyhelp",
    "people",
    "reporting",
    "mash.security",
]


def _optional(module_name):
    try:
        return import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "this capability has no such module" is fine; a broken import inside it is not.
        if exc.name is None or not (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise
        return None


def api_urlpatterns():
    patterns = []
    for capability in CAPABILITIES:
        module = _optional(f"{capability}.api_urls")
        if module is None:
            continue
        if hasattr(module, "register"):
            module.register(router)
        patterns += getattr(module, "urlpatterns", [])
    return patterns


def page_urlpatterns():
    patterns = []
    for capability in CAPABILITIES:
        if capability == "mash":
            continue
        module = _optional(f"{capability}.urls")
        if module is not None:
            patterns += module.urlpatterns
    return patterns


def pk_url(viewname: str):
    """``reverse(viewname, args=[pk])`` for the many rows of a page at the cost of one reverse: a function of the
    pk. (Django's reverse takes about 40 microseconds; a worklist page of 50 rows linked twice each spent a
    third of its rows' rendering on it.) For URLs whose only argument is an ``<int:pk>``."""
    from django.urls import reverse

    marker = "918273645546372819"
    head, found, tail = reverse(viewname, args=[int(marker)]).partition(marker)
    if not found or marker in tail:
        raise ValueError(f"{viewname} does not take one integer argument.")
    return lambda pk: f"{head}{int(pk)}{tail}"
