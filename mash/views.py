from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader

from .pages import HOMES_BY_SLUG, ROLE_HOMES


@login_required
def home(request):
    """Send each person to their role's home page."""
    home = ROLE_HOMES.get(request.user.role)
    if home is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        raise PermissionDenied("Your account has no role yet. Ask your tenant administrator.")
    return redirect("role-home", slug=home.slug)


@login_required
def role_home(request, slug):
    home = HOMES_BY_SLUG.get(slug)
    if home is None:
        raise Http404
    if not request.user.tenant_id or request.user.role != home.role:
        raise PermissionDenied("This page belongs to another role.")
    return render(request, "mash/home.html", {"home": home})


def liveness(request):
    """For load balancers and docker health checks: the process answers. Discloses nothing."""
    return JsonResponse({"status": "ok"})


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the database or the session may be what failed (templates/500.html).
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from an old page, or after signing out, in GOV.UK words."""
    return render(request, "403_csrf.html", status=403)
