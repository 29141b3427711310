"""``{% load audit_words %}``: the audit log in words (mash.audit_words)."""

from django import template

from mash import audit_words

register = template.Library()

register.filter("audit_action", audit_words.action_words)
register.filter("audit_record_kind", audit_words.record_kind)
register.filter("audit_changes", audit_words.change_rows)
