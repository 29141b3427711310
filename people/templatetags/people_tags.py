from django import template

from people.selectors import KINDS

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)
