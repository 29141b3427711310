"""``{% load documents %}``: a document's type and size in words (mash.documents)."""

from django import template

from mash import documents

register = template.Library()

register.filter("document_words", documents.words)
