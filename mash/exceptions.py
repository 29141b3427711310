"""Domain exceptions. Services raise these; the API and pages turn them into responses in one place."""


class DomainError(Exception):
    status_code = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.field = field

    def as_errors(self) -> dict:
        return {self.field or "detail": [self.message]} if self.field else {"detail": self.message}


class PolicyViolation(DomainError):
    """The input breaks a rule of the domain (400)."""

    status_code = 400


class NotAllowed(DomainError):
    """The user may see this object but may not take this action on it (403)."""

    status_code = 403
    default_message = "You do not have permission to do that."


class Conflict(DomainError):
    """Someone else changed this first, or the state no longer allows the change (409)."""

    status_code = 409
    default_message = "Someone else changed this record first. Reload it and try again."
