"""Django's paginator told its total, for lists whose count is cheaper from elsewhere (a plain count over a
partial index, or an aggregate the page already runs) than from counting the annotated, joined list itself."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, total: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = total  # cached_property: set once, never computed
