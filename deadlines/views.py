"""The notifications page: every signed-in member of a tenant sees their own, newest first."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mash.decorators import tenant_member_required

from . import selectors, services

PAGE_SIZE = 25


def _back(request):
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@tenant_member_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deadlines/notifications.html", {"page": page, "notifications": page.object_list})


@require_POST
@tenant_member_required
def notification_read(request, pk: int):
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.mark_notification_read(notification=notification, actor=request.user)
    return _back(request)


@require_POST
@tenant_member_required
def notifications_read_all(request):
    services.mark_all_notifications_read(actor=request.user)
    return _back(request)
