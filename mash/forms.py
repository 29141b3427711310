"""Forms shared by every app's pages: a text field with the GOV.UK length message, attaching a document
(mash.documents checks the file itself)."""

from django import forms

from .documents import DESCRIPTION_MAX, SELECT_KIND
from .exceptions import DomainError
from .models import DocumentKind


class CharField(forms.CharField):
    """A text box or area whose too-long error is GOV.UK's "[whatever it is] must be [number] characters or fewer",
    never Django's "Ensure this value has at most ...". ``noun`` names the field in that sentence when its label
    cannot (a question, "Note (optional)"); a label that is a question without a ``noun`` is refused here."""

    def __init__(self, *, noun: str = "", **kwargs):
        super().__init__(**kwargs)
        label = str(self.label or "").removesuffix(" (optional)")
        if self.max_length is not None and "max_length" not in self.error_messages:
            if not noun and (label.endswith("?") or not label):
                raise ValueError(f"CharField(label={self.label!r}) needs noun=, what it is called in a sentence")
            noun = noun or label
            self.error_messages["max_length"] = (
                f"{noun[:1].upper()}{noun[1:]} must be {self.max_length:,} characters or fewer"
            )


class DocumentForm(forms.Form):
    """The GOV.UK file upload with what the document is. The file is checked by the service (by its
    content, its size), which puts its refusal on ``file``; this form only reads the other fields."""

    file = forms.FileField(label="Upload a file", required=False, allow_empty_file=True)
    kind = forms.ChoiceField(
        label="What is it?",
        choices=DocumentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": SELECT_KIND, "invalid_choice": SELECT_KIND},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, who wrote it and when, or what it shows.",
        error_messages={"max_length": f"The description must be {DESCRIPTION_MAX} characters or fewer"},
    )


def attach_from_form(request, attach):
    """The upload page's POST, the same for every record: bind the form, and when it is valid call
    ``attach(upload=, kind=, description=)`` (a service that checks the file and may refuse it).

    Returns ``(form, status, document)``: the document when attached, else the form with its errors
    (a refusal on its field) and the status to answer with; a GET gets an empty form and 200."""
    if request.method != "POST":
        return DocumentForm(), 200, None
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, 400, None
    try:
        document = attach(
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return form, exc.status_code, None
    return form, 200, document
