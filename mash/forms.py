"""Forms shared by every app's pages: attaching a document (mash.documents checks the file itself)."""

from django import forms

from .documents import DESCRIPTION_MAX, SELECT_KIND
from .models import DocumentKind


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
