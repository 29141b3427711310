from django import forms
from django.contrib.auth import user_logged_in, user_login_failed  # noqa: F401 - signals documented below
from django.contrib.auth.forms import AuthenticationForm

from mash.platform import SUSPENDED_MESSAGE

from . import mfa


def _record_factor_failure(request, username: str) -> None:
    """A wrong security code counts as a failed sign-in, so guessing codes meets the same lockout."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


class SignInForm(AuthenticationForm):
    """Username, password and, for anyone with a second factor, the security code: one page.

    Someone with a factor set up must give its code (or a recovery code) with the password. A
    right password with a missing or wrong code gets exactly the answer a wrong password gets (same
    page, message and status) and counts as a failed sign-in (django-axes), so the page never
    confirms a guessed password. Staff with no factor yet are signed in to set one up and can reach
    nothing else.
    """

    otp_token = forms.CharField(
        label="Security code",
        required=False,
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Enter a correct username and password, and the security code from your authenticator app "
            "if you have set one up. They are case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.otp_device = None

    def clean(self):
        cleaned = super().clean()  # a wrong password raises invalid_login; django-axes counts it
        user = self.user_cache
        if user is None:
            return cleaned
        if mfa.has_device(user):
            device = mfa.verify(user, cleaned.get("otp_token") or "")
            if device is None:
                _record_factor_failure(self.request, cleaned.get("username") or "")
                self.user_cache = None
                raise self.get_invalid_login_error()
            self.otp_device = device
        # Only once every factor is right (so it confirms nothing a guesser lacks): a suspended
        # council's people are told why they cannot sign in, rather than left doubting their password.
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
