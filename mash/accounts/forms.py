from django import forms
from django.contrib.auth import password_validation

from mash.forms import CharField as GovukCharField

from .selectors import teams
from .services import role_choices


class UserForm(forms.Form):
    """Name, email, role, agency and team. The choices are the tenant's (built per request)."""

    first_name = GovukCharField(label="First name", max_length=150, required=False)
    last_name = GovukCharField(label="Last name", max_length=150, required=False)
    username = GovukCharField(
        label="Username", max_length=150, help_text="What they sign in with, for example durham-jsmith"
    )
    email = GovukCharField(
        label="Email address", max_length=254, help_text="We send the link to set up the account here"
    )
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)
    agency = forms.ChoiceField(
        label="Agency", required=False, help_text="Only for navigators and agency leads: the agency they work for"
    )
    team = forms.ChoiceField(label="Team", required=False, help_text="Optional")

    def __init__(self, *args, agencies=(), current_agency=None, current_team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()
        self.fields["role"].error_messages["required"] = "Choose a role"
        self.fields["username"].error_messages["required"] = "Enter a username"
        self.fields["email"].error_messages["required"] = "Enter an email address: the set-up link is sent there"
        agency_options = [(a.slug, a.name) for a in agencies if a.active or a == current_agency]
        self.fields["agency"].choices = [("", "No agency"), *agency_options]
        team_options = [(str(t.pk), t.name) for t in teams(include_retired=True) if t.active or t == current_team]
        self.fields["team"].choices = [("", "No team"), *team_options]


class SecondFactorResetForm(forms.Form):
    reason = GovukCharField(
        label="Why are you resetting their second factor?",
        max_length=500,
        noun="the reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: lost phone, reported by telephone on 3 March. This is kept in the audit log.",
        error_messages={"required": "Give the reason for resetting the second factor"},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file",
        error_messages={
            "required": "Choose a CSV file of staff accounts",
            "empty": "The file is empty: the first line must name the columns",
        },
    )


class SetUpPasswordForm(forms.Form):
    password1 = GovukCharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput,
        help_text="At least 10 characters. Do not use a password you use anywhere else.",
        error_messages={"required": "Enter a password"},
    )
    password2 = GovukCharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter the password again"},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The passwords do not match")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class TeamForm(forms.Form):
    """A team's name and members, chosen from the tenant's active staff (built per request)."""

    name = GovukCharField(
        label="Team name",
        max_length=100,
        help_text="As your staff call it, for example MASH team A or Locality team North",
        error_messages={
            "required": "Enter the team's name",
            "max_length": "The team's name must be 100 characters or fewer",
        },
    )
    members = forms.MultipleChoiceField(
        label="Members",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A person is in one team at most: choosing someone from another team moves them here",
        error_messages={"invalid_choice": "Choose members from your hub's active staff"},
    )

    def __init__(self, *args, people=(), team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(str(p.pk), _member_label(p, team)) for p in people]


def _member_label(person, team) -> str:
    label = f"{person.get_full_name() or person.username} ({person.get_role_display() or 'no role'})"
    current = getattr(person, "team_membership", None)
    if current is not None and current.team_id != getattr(team, "pk", None):
        label += f", now in {current.team.name}"
    return label
