from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import documents
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


# A worker records a heartbeat every minute (beat's schedule) and beat records its own every
# 30 s; three minutes of silence means that part of the engine has stopped.
ENGINE_STALE_AFTER = timedelta(minutes=3)


def liveness(request):
    """For load balancers and docker health checks: the web process answers, and the deadline
    engine (worker and beat) has shown a sign of life lately.

    ``{"status": "ok"}`` (200) when healthy. When the worker's or beat's last heartbeat is older
    than :data:`ENGINE_STALE_AFTER`: 503 with ``status`` "engine_stopped" and which part is
    silent, so an operator or a load balancer sees a stopped engine. A part that never recorded
    a heartbeat (a fresh install, a test database) is not reported here; the operations view
    (``/api/v1/health/``) shows it. Discloses no tenant data.
    """
    from .models import Heartbeat

    now = timezone.now()
    stale = []
    for source in ("worker", "beat"):
        last = Heartbeat.objects.filter(source=source).order_by("-at").values_list("at", flat=True).first()
        if last is not None and now - last > ENGINE_STALE_AFTER:
            stale.append(source)
    if stale:
        return JsonResponse({"status": "engine_stopped", "stale": stale}, status=503)
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


@login_required
@require_GET
def document(request, pk):
    """Download a document: only through the firewall of the record it belongs to (another tenant's, or a
    record the user may not read, is 404), as an attachment, audited (mash.documents)."""
    if not request.user.tenant_id:
        raise Http404
    return documents.download(document=documents.document_for(request.user, pk), actor=request.user)
