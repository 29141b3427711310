"""The dashboard's figures in words (reporting.words): ``{{ t.median|elapsed:t.unit }}``,
``{{ p.period|period_words:interval }}``."""

from django import template

from reporting.words import elapsed_words, period_words

register = template.Library()
register.filter("elapsed", elapsed_words)
register.filter("period_words", period_words)
