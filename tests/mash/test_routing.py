"""``pk_url``: one reverse for a page's many row links, each the same as Django's own reverse."""

import pytest
from django.urls import NoReverseMatch, reverse
from hypothesis import given
from hypothesis import strategies as st

from mash.routing import pk_url


@given(pk=st.integers(min_value=1, max_value=2**63 - 1))
def test_a_rows_link_is_what_reverse_gives(pk):
    for name in ("triage:contact", "triage:take"):
        assert pk_url(name)(pk) == reverse(name, args=[pk])


def test_a_view_without_one_integer_argument_is_refused():
    with pytest.raises(NoReverseMatch):
        pk_url("triage:queue")
