"""The typed entry point of a contact (contacts.submissions): every channel builds one, the service stores it."""

import pytest

from contacts.models import Contact, ContactPerson
from contacts.services import CONTACT_FIELDS, PERSON_FIELDS
from contacts.submissions import ContactSubmission, SubmittedPerson


def test_what_a_sender_does_not_say_is_stored_as_the_models_default():
    submission = ContactSubmission(channel="phone", concerns="Worried.", children=(SubmittedPerson(first_name="Leo"),))
    for name in CONTACT_FIELDS:
        if name != "concerns":
            assert getattr(submission, name) == Contact._meta.get_field(name).get_default(), name
    for name in PERSON_FIELDS:
        if name != "first_name":
            assert getattr(submission.children[0], name) == ContactPerson._meta.get_field(name).get_default(), name


def test_input_shaped_as_the_api_takes_it_becomes_a_submission():
    submission = ContactSubmission.from_data(
        {
            "channel": "phone",
            "concerns": "Worried.",
            "source": "3A",
            "children": [{"first_name": "Leo", "last_name": "Hart"}],
            "household": [{"first_name": "Amy", "last_name": "Hart", "role": "parent", "relationship": "mother"}],
        }
    )
    assert submission.channel == "phone" and submission.source == "3A"
    assert submission.children == (SubmittedPerson(first_name="Leo", last_name="Hart"),)
    assert submission.household[0].role == "parent" and submission.household[0].relationship == "mother"
    staff_said = {"channel": "phone", "concerns": "x", "children": []}
    assert ContactSubmission.from_data(staff_said, channel="marf").channel == "marf"


def test_a_field_the_submission_does_not_know_is_an_error_not_silently_dropped():
    with pytest.raises(TypeError):
        ContactSubmission.from_data({"channel": "marf", "concerns": "Worried.", "children": [], "colour": "red"})
