"""Templates let go of what a page showed once it is rendered (mash.templating): a page's rows are freed when the
view returns, not left for the garbage collector's full passes; and the web process compiles every template
before its first request, so they are frozen with the rest of start-up (mash.wsgi). The test client's record of
a page's context outlives the render (tests/security/test_multi_factor_sign_in.py reads it)."""

import gc
import weakref
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines

from mash.templating import compile_every_template


class Row:
    """A worklist row, as a view hands it to a template."""

    def __init__(self, reference):
        self.reference = reference


@pytest.fixture
def collector_off():
    """The garbage collector switched off: what is freed here is freed by reference counting alone."""
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_a_rendered_pages_objects_are_freed_without_the_garbage_collector(collector_off, rf):
    request = rf.get("/triage/")
    request.user = AnonymousUser()
    row = Row("CAM-2026-000001")
    seen = weakref.ref(row)
    html = (
        engines["django"]
        .from_string("{% for r in rows %}{% with ref=r.reference %}<td>{{ ref }}</td>{% endwith %}{% endfor %}")
        .render({"rows": [row]}, request=request)
    )
    assert html == "<td>CAM-2026-000001</td>"
    del row
    assert seen() is None, "the rendered context still holds the row: only a full collection would free it"


def test_every_template_is_compiled_before_the_first_request():
    root = Path(settings.TEMPLATES[0]["DIRS"][0])
    files = [path for path in root.rglob("*") if path.is_file() and path.suffix in (".html", ".txt")]
    assert compile_every_template() == len(files) > 150
    cached = engines["django"].engine.template_loaders[0].get_template_cache
    assert "triage/partials/queue_rows.html" in cached and "earlyhelp/letter.txt" in cached
