"""The Content-Security-Policy refuses inline styles and un-nonced inline scripts: a template that uses
either breaks silently in the browser (the text loses its line breaks, the countdown stops). Caught here."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_uses_an_inline_style_or_an_inline_script_without_the_nonce(template):
    text = template.read_text()
    assert not STYLE_ATTRIBUTE.search(text), "use a class (e.g. mash-pre-wrap): CSP refuses style attributes"
    assert not INLINE_SCRIPT.search(text), 'inline scripts need nonce="{{ request.csp_nonce }}"'
    assert not STYLE_ELEMENT.search(text), 'use a stylesheet, or nonce="{{ request.csp_nonce }}" on a <style>'
