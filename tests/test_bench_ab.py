"""bench/ab_http.py compares two versions block by block: the figure it prints as the change is the median of the
blocks' differences, which a spell of slow machine moves for both alike, not the difference of two medians taken
from different blocks. Importing it sets nothing up (its work is in ``main``)."""

import pytest

from bench.ab_http import paired


def test_the_change_is_the_median_of_the_paired_differences():
    # A machine twice as slow in the later blocks: each block's before and after see the same machine.
    before = [10.0, 10.5, 20.0, 21.0, 20.5]
    after = [9.0, 9.5, 18.0, 19.0, 18.5]
    figures = paired(before, after)
    assert figures["before"] == 20.0 and figures["after"] == 18.0
    assert figures["difference"] == 2.0  # the blocks' differences 1, 1, 2, 2, 2
    assert figures["range"] == (1.0, 2.0)


def test_blocks_that_do_not_pair_are_refused():
    with pytest.raises(ValueError):
        paired([1.0, 2.0], [1.0])
