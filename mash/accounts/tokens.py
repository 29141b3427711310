"""The set-up link a new user gets by email: single-use and time-limited.

Django's password-reset tokens, with their own salt: the token is an HMAC over the user's id, their
password hash, last sign-in and email, and its timestamp. A new account has an unusable password
(a random marker), so the moment the user sets a password the hash changes and every link sent
before stops working; sending a new link sets a fresh marker, which retires the older links too.
A link older than ``settings.PASSWORD_RESET_TIMEOUT`` (3 days by default) has expired.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class SetUpTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "mash.accounts.tokens.SetUpTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # A deactivated account's links die with it, and do not come back if it is reactivated.
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


set_up_tokens = SetUpTokenGenerator()


def encode_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
