"""Django's paginator told its total, for lists whose count is cheaper from elsewhere (a plain count over a
partial index, or an aggregate the page already runs) than from counting the annotated, joined list itself."""

from django.core.paginator import Paginator


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
