"""Sign-in with a second factor, setting one up, recovery codes, and keeping a session alive."""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from mash import audit

from . import mfa
from .forms import SecurityCodeForm, SignInForm, _record_factor_failure
from .middleware import LAST_SEEN


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


class SignInView(auth_views.LoginView):
    """Sign in, step one: username and password (GOV.UK). Step two is the security code on its own
    page (``verify``), or setting up an authenticator app for staff who have none."""

    template_name = "registration/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        audit.record(
            actor=user,
            action="user.signed_in",
            changes={"second_factor": bool(form.otp_device)},
        )
        if form.code_needed:
            return redirect(f"{_verify_url()}?next={_safe(self.get_success_url())}")
        if not mfa.required_for(user) or form.otp_device is not None:
            forgive_failures(user)
        if mfa.required_for(user) and form.otp_device is None:
            messages.info(self.request, "Set up your authenticator app to finish signing in.")
            return redirect(f"{_enrol_url()}?next={_safe(self.get_success_url())}")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context


def forgive_failures(user) -> None:
    """A sign-in is complete (password and, where needed, the code): earlier failures no longer count
    towards the lockout. Never after the password alone, or a password-holder could guess codes forever."""
    from axes.utils import reset

    from .backends import lockout_username

    reset(username=lockout_username(None, {"username": user.get_username()}))


def _enrol_url():
    from django.urls import reverse

    return reverse("security:enrol")


def _safe(url: str) -> str:
    from urllib.parse import quote

    return quote(url, safe="/")


def _qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no external image: CSP-safe)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def _grouped_key(device) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
def enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key), then enter its code."""
    user = request.user
    if mfa.has_device(user) and not user.is_verified():
        return redirect(f"{_verify_url()}?next={_safe(_next_url(request, '/'))}")
    device = mfa.pending_app_device(user)
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_app_device(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            forgive_failures(user)
            return _show_recovery_codes(request, codes, next_url=_next_url(request), first_time=True)
        _record_factor_failure(request, user.get_username())
        form.add_error("code", "The security code is not right. Enter the current code from your app")
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "key": _grouped_key(device),
            "next": _next_url(request, ""),
        },
    )


def _verify_url():
    from django.urls import reverse

    return reverse("security:verify")


@login_required
def verify(request):
    """For a session signed in with a password only: the second step."""
    user = request.user
    if not mfa.has_device(user):
        return redirect(f"{_enrol_url()}?next={_safe(_next_url(request, '/'))}")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            forgive_failures(user)
            audit.record(actor=user, action="user.second_factor_verified")
            return redirect(_next_url(request))
        _record_factor_failure(request, user.get_username())
        if getattr(request, "axes_locked_out", False) or _locked(request, user):
            logout(request)
            return render(request, "security/locked_out.html", status=429)
        form.add_error("code", "The security code is not right, or has expired. Enter the current code from your app")
    return render(request, "security/verify.html", {"form": form, "next": _next_url(request, "")})


def _locked(request, user) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()})


@login_required
def new_recovery_codes(request):
    """Replace the recovery codes (the old ones stop working): only for a session that has passed
    the second factor, and only with a current code from the authenticator app in the same step.
    A session signed in with a password alone is sent to finish signing in, and gets no codes."""
    user = request.user
    if not user.is_verified():
        target = _verify_url() if mfa.has_device(user) else _enrol_url()
        return redirect(f"{target}?next={_safe(request.path)}")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.replace_recovery_codes(user=user, token=form.cleaned_data["code"])
        if codes is not None:
            return _show_recovery_codes(request, codes, next_url="/", first_time=False)
        _record_factor_failure(request, user.get_username())
        form.add_error("code", "The security code is not right, or has expired. Enter the current code from your app")
    return render(request, "security/new_recovery_codes.html", {"form": form})


# New recovery codes wait in the session until the user confirms they have kept them, so the page
# can offer them as a download and show them again after an error; never longer.
RECOVERY_CODES_KEY = mfa.RECOVERY_CODES_PENDING


def _show_recovery_codes(request, codes, *, next_url, first_time, error=None, status=200):
    request.session[RECOVERY_CODES_KEY] = {"codes": list(codes), "next": next_url, "first_time": first_time}
    context = {"codes": codes, "next": next_url, "first_time": first_time, "error": error}
    return render(request, "security/recovery_codes.html", context, status=status)


@login_required
def recovery_codes_download(request):
    """The recovery codes just made, as a text file to keep (only until the user says they have)."""
    pending = request.session.get(RECOVERY_CODES_KEY)
    if not request.user.is_verified() or not pending:
        raise Http404("No new recovery codes to download.")
    lines = [
        f"Recovery codes for {request.user.get_username()} (MASH front door)",
        "Each code works once, instead of a code from your authenticator app.",
        "",
        *pending["codes"],
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mash-recovery-codes.txt"'
    audit.record(actor=request.user, action="mfa.recovery_codes_downloaded")
    return response


@login_required
def recovery_codes_kept(request):
    """The user confirms they have kept their new recovery codes; then they carry on."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pending = request.session.get(RECOVERY_CODES_KEY)
    if not request.user.is_verified() or not pending:
        return redirect("/")
    if request.POST.get("kept") != "yes":
        return _show_recovery_codes(
            request,
            pending["codes"],
            next_url=pending["next"],
            first_time=pending["first_time"],
            error="Confirm that you have saved your recovery codes somewhere safe",
            status=400,
        )
    del request.session[RECOVERY_CODES_KEY]
    audit.record(actor=request.user, action="mfa.recovery_codes_kept")
    target = pending["next"]
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return redirect(target if safe and target else "/")


def keep_alive(request):
    """ "Stay signed in" (the timeout warning's button): record activity, answer with the time left."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    import time

    from django.conf import settings

    request.session[LAST_SEEN] = time.time()
    return JsonResponse({"signed_in": True, "seconds_left": settings.SESSION_IDLE_TIMEOUT})
