"""Serializers built from their class's prototype fields (mash.drf.PrototypeFields) behave as DRF's own do.

The MARF's input and reply build their fields once per class and give each instance copies (issue 22). These tests
check what a referrer would notice if the copies shared what they must not: one request's errors, names, context or
tenant showing up in the next.
"""

from unittest import mock

import pytest
from rest_framework import fields, serializers

from contacts.serializers import ChildInput, ContactInput, ReferrerContactSerializer
from mash import tenancy
from mash.drf import PrototypeFields
from mash.models import Agency
from tests.contacts.builders import marf
from tests.factories import AgencyFactory, TenantFactory


def test_a_second_marf_builds_no_field_again():
    ContactInput(data=marf()).is_valid()  # the class's prototypes exist from here
    built = []
    real_init = fields.Field.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        real_init(self, *args, **kwargs)

    with mock.patch.object(fields.Field, "__init__", counting):
        serializer = ContactInput(data=marf())
        assert serializer.is_valid(), serializer.errors
    # The serializer itself and its two lists of people (their children are bound to them): none of their fields.
    assert sorted(built) == ["ChildInput", "ContactInput", "HouseholdMemberInput", "ListSerializer", "ListSerializer"]


def test_each_marf_has_its_own_fields_bound_to_it():
    first, second = ContactInput(data=marf()), ContactInput(data=marf())
    assert first.fields["concerns"] is not second.fields["concerns"]
    assert first.fields["concerns"].parent is first
    assert second.fields["concerns"].parent is second
    child_a = first.fields["children"].child.fields["first_name"]
    child_b = second.fields["children"].child.fields["first_name"]
    assert child_a is not child_b and child_a.root is first and child_b.root is second
    assert first.fields["interpreter_needed"].label == "Interpreter needed"  # named by its own binding


def test_one_marfs_errors_never_reach_the_next():
    bad = ContactInput(data=marf(concerns="", children=[{"first_name": "", "last_name": "Hart"}]))
    assert not bad.is_valid()
    assert "concerns" in bad.errors and "children" in bad.errors
    good = ContactInput(data=marf())
    assert good.is_valid(), good.errors
    assert good.validated_data["children"][0]["first_name"] == "Leo"
    again = ContactInput(data=marf(consent_to_referral="refused"))
    assert not again.is_valid()
    assert set(again.errors) == {"consent_reason", "consent_decided_by"}  # only its own mistakes


def test_a_field_changed_on_one_instance_stays_on_it():
    first = ChildInput(data={})
    first.fields["last_name"].required = False
    first.fields["sex"].choices = [("M", "Male")]
    second = ChildInput(data={"first_name": "Ann", "sex": "F"})
    assert not second.is_valid()
    assert second.errors["last_name"] == ["Enter last name."]
    assert "sex" not in second.errors  # the full list of choices, not the first instance's


def test_the_reply_carries_its_own_context():
    class _Probe(ReferrerContactSerializer):
        def get_outcome(self, contact):
            return self.context.get("marker")

    contact = mock.Mock(status="received", people=None)
    for value in ("first", "second"):
        serializer = _Probe(context={"marker": value})
        assert serializer.fields["outcome"].to_representation(contact) == value


@pytest.mark.django_db
def test_a_serializer_with_a_related_field_is_built_in_each_tenant():
    """A relational field's queryset is scoped to the tenant active when it is made: never kept for the next."""

    class _AgencyPick(serializers.Serializer):
        def get_fields(self):
            made = super().get_fields()
            made["agency"] = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())  # this tenant's
            return made

    class _Pick(PrototypeFields, _AgencyPick):
        pass

    ours, theirs = TenantFactory(), TenantFactory()
    our_agency, their_agency = AgencyFactory(tenant=ours), AgencyFactory(tenant=theirs)
    with tenancy.tenant_context(ours):
        assert _Pick(data={"agency": our_agency.pk}).is_valid()
        assert not _Pick(data={"agency": their_agency.pk}).is_valid()
    with tenancy.tenant_context(theirs):
        serializer = _Pick(data={"agency": their_agency.pk})
        assert serializer.is_valid(), serializer.errors
        assert not _Pick(data={"agency": our_agency.pk}).is_valid()
