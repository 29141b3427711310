"""Django's paginator told its total, for lists whose count is cheaper from elsewhere (a plain count over a
partial index, or an aggregate the page already runs) than from counting the annotated, joined list itself."""

from django.core.paginator import Paginator
from django.db import connection


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, total: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = total  # cached_property: set once, never computed


class NarrowSlices:
    """A wide, ordered queryset as a paginator reads it: a slice first picks its rows' ids over the narrow sort
    keys (a sub-select with the same filters, order and slice), then reads only those rows with everything
    they join, in one query. Ordering every matching row's full joined row to keep a page of them was most of
    the triage queue's and the navigators' workspace's page time (4,500 requests joined to their contacts:
    75 ms, where the ids alone sort in a few). Give the paginator its count (:class:`CountedPaginator`)."""

    ordered = True  # the queryset's own order is kept (Django's paginator warns about unordered lists)

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> int:  # for a paginator not told its count (DRF's page-number pagination)
        return self.queryset.order_by().count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Read a page at a time.")
        return list(self.queryset.filter(pk__in=self.queryset.values("pk")[index.start or 0 : index.stop]))


class TopFirstSlices(NarrowSlices):
    """A list sorted "what must stay on top first, then by a key an index keeps", as a paginator reads it.

    Kept as NarrowSlices keeps it, a page's ids are picked by sorting every row the filters keep on the computed
    "on top" key: a scan and a sort of them all. A subclass that knows better says, for a slice ending at
    ``stop``, which rows the slice must be among (:meth:`candidates`): the rows on top (a few sets, each read off
    an index) and the first ``stop`` rows in the index's order (a walk that stops there). Their ids are read
    first (one query, a UNION), then only those rows are sorted as the list sorts and sliced. Slices deeper than
    :meth:`pick_up_to`, and databases that cannot slice inside a UNION (SQLite), are read as NarrowSlices reads
    them."""

    def pick_up_to(self) -> int:
        """The deepest ``stop`` picked so (the first pages: a deep walk costs what the sort did)."""
        return 0

    def candidates(self, stop: int):
        """``(walk, top)``: the list's rows in index order as ``values_list("pk")`` (sliced here), and the
        querysets of rows on top, also ``values_list("pk")``; or None to read the slice as NarrowSlices does."""
        return None

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Read a page at a time.")
        start, stop = index.start or 0, index.stop
        picked = None
        if stop is not None and stop <= self.pick_up_to() and connection.features.supports_slicing_ordering_in_compound:
            picked = self.candidates(stop)
        if picked is None:
            return super().__getitem__(index)
        walk, top = picked
        ids = [pk for (pk,) in walk[:stop].union(*top, all=True)]
        return list(self.queryset.filter(pk__in=ids)[start:stop])
