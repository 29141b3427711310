from django import forms
from django.contrib.auth import user_logged_in, user_login_failed  # noqa: F401 - signals documented below
from django.contrib.auth.forms import AuthenticationForm

from mash.platform import SUSPENDED_MESSAGE

from . import mfa


def _record_factor_failure(request, username: str) -> None:
    """A wrong security code counts as a failed sign-in, so guessing codes meets the same lockout."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


class SignInForm(AuthenticationForm):
    """The first step of signing in: username and password.

    Staff with a second factor then give its code on a page of its own (``security:verify``): a
    password-only session can reach nothing else (``MultiFactorMiddleware``), a wrong code counts as
    a failed sign-in (django-axes) and the lockout ends the session. Staff with no factor yet are
    signed in to set one up and can reach nothing else.

    A client that posts the code with the password (``otp_token``: scripts, the benchmarks) is
    answered in one step; a right password with a wrong code then gets exactly the answer a wrong
    password gets (same page, message and status) and counts as a failed sign-in.
    """

    otp_token = forms.CharField(required=False, max_length=16)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. They are case-sensitive.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.otp_device = None
        self.code_needed = False
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean(self):
        cleaned = super().clean()  # a wrong password raises invalid_login; django-axes counts it
        user = self.user_cache
        if user is None:
            return cleaned
        if mfa.has_device(user):
            token = cleaned.get("otp_token") or ""
            if not token:
                self.code_needed = True  # the second step asks for it
            else:
                device = mfa.verify(user, token)
                if device is None:
                    _record_factor_failure(self.request, cleaned.get("username") or "")
                    self.user_cache = None
                    raise self.get_invalid_login_error()
                self.otp_device = device
        # Only once the password (and a code posted with it) is right, so it confirms nothing a guesser lacks: a
        # suspended council's people are told why they cannot sign in, rather than left doubting their password.
        if user.tenant_id and user.tenant.is_suspended:
            self.user_cache = None
            raise forms.ValidationError(SUSPENDED_MESSAGE, code="suspended")
        return cleaned


class SecurityCodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=16,
        error_messages={"required": "Enter the security code from your authenticator app"},
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())
