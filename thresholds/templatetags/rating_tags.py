"""A rating as a GOV.UK tag: ``{% load rating_tags %}{% rating_tag rating %}``, or :func:`rating_tag_html` from
Python (a worklist row built in code). One markup for every page that shows a rating."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from mash.markup import built

register = template.Library()


@register.simple_tag
def rating_tag(rating) -> SafeString:
    return rating_tag_html(rating)


def rating_tag_html(rating) -> SafeString:
    """The rating's tag in its colour, saying its name, and its colour too when the name does not (never colour
    alone). GOV.UK Frontend has no amber tag: orange is its amber."""
    colour = "orange" if rating.colour == "amber" else rating.colour
    named = "" if rating.label.lower() == rating.colour else f" ({escape(rating.get_colour_display())})"
    return built(f'<strong class="govuk-tag govuk-tag--{escape(colour)}">{escape(rating.label)}{named}</strong>')
