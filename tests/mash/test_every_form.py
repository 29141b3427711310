"""Every form reports its errors the GOV.UK way, and never loses what was typed (issue 17).

The forms are found, not listed: every HTML page of the URL patterns (``tests.crawl``, the pages of the hostile
input crawl, with the same populated tenant) is opened as every role that can open it, and every form on it that
POSTs and asks for something (a text box, date, radios, checkboxes, a list) is submitted three ways: empty; with
bad values (text in number and date boxes, strings longer than any limit, an unticked list's first choice);
and with an impossible date (31 February). Whenever the answer re-renders with errors:

* a GOV.UK error summary lists every error shown beside a field, all at once;
* each summary link's ``#href`` names an element of the page that is a form control (the first box of a date,
  the first radio or checkbox of a group, as GOV.UK does);
* what was typed, ticked or chosen is still there;
* no message matches ``UNGRAMMATICAL``: messages assembled from labels ("Select do the parents ..."),
  Django's generic wording, doubled words, a lowercase start, stray spaces, a question mark inside a sentence.

Each submission runs in a savepoint that is rolled back, so a form that accepts what it was sent changes nothing
the next one sees. The browser half (each error link focuses its field, inside a closed expander too) is in
tests/e2e/test_forms_keep_work.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve

from mash.roles import Role
from tests.crawl import ANONYMOUS, ROLES, build_world, patterns, role_clients

pytestmark = pytest.mark.django_db

# Messages a person did not write, or wrote carelessly: (pattern, what is wrong). Matched case-sensitively.
UNGRAMMATICAL = [
    (r"^(Select|Enter|Choose|Give) (do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|"
     r"may|must)\b", "assembled from a question's label"),
    (r"^(Select|Enter|Choose) (what|which|who|whom|why|how|when|where|whether the)\b.*\?",
     "assembled from a question's label"),
    (r"\?", "a question mark inside an error message (a label pasted into a sentence)"),
    (r"This field is required", "Django's generic message"),
    (r"Enter a valid\b", "Django's generic message"),
    (r"Enter a whole number", "Django's generic message"),
    (r"Enter a number\.", "Django's generic message"),
    (r"Select a valid choice", "Django's generic message"),
    (r"Ensure this value", "Django's generic message"),
    (r"Enter a list of values", "Django's generic message"),
    (r"is not one of the available choices", "Django's generic message"),
    (r"\b(\w+) \1\b", "a doubled word"),
    (r"^[a-z]", "a lowercase start"),
    (r"^\s|\s$", "a leading or trailing space"),
    (r"\s{2,}", "a double space"),
    (r"\b(None|True|False)\b|%\(|\{\{|\}\}|\[|\]", "a Python value or an unfilled placeholder"),
    (r"^(Enter|Select|Choose) (Name|Date|Your|The|A|An)\b", "a label's capital letter inside a sentence"),
    (r"\.\.|\s[.,]", "stray punctuation"),
    (r"^(Add|Give|Enter|Select|Choose|Tell) .+ must be", "a label that is an instruction put into a sentence"),
]  # fmt: skip

LONG = "z" * 10_001  # longer than every max_length of the product's text fields (10,000 at most)
NOT_A_NUMBER = "ten"
CONTROLS = {"input", "select", "textarea"}
NOT_ASKED = {"hidden", "submit", "button", "image", "reset", "file"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# --- a small HTML tree (the standard library's parser; the product's pages are well formed) --------------------


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict
    parent: Node | None = None
    children: list = field(default_factory=list)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag=None, cls=None):
        return [
            n for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in (n.attrs.get("class") or "").split())
        ]  # fmt: skip

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child.text() if isinstance(child, Node) else child)
        return "".join(parts)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: "" if v is None else v for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: "" if v is None else v for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- forms and what to send ---------------------------------------------------------------------------------


@dataclass
class Form:
    url: str  # where it posts
    page: str  # where it was found
    role: str
    node: Node

    def controls(self):
        for node in self.node.iter():
            if node.tag in CONTROLS and node.attrs.get("name") and "disabled" not in node.attrs:
                yield node

    def asked(self):
        """The controls a person fills in (not hidden fields or buttons)."""
        return [c for c in self.controls() if c.tag != "input" or c.attrs.get("type", "text") not in NOT_ASKED]

    def hidden(self) -> dict:
        data = {}
        for c in self.controls():
            if c.tag == "input" and c.attrs.get("type") == "hidden":
                data.setdefault(c.attrs["name"], []).append(c.attrs.get("value", ""))
        button = next(
            (c for c in self.controls() if c.tag in ("button", "input") and c.attrs.get("type") == "submit"), None
        )
        for node in self.node.iter():  # the first named submit button, as a click on it would send
            if node.tag == "button" and node.attrs.get("name") and node.attrs.get("type", "submit") == "submit":
                button = node
                break
        if button is not None and button.attrs.get("name"):
            data.setdefault(button.attrs["name"], []).append(button.attrs.get("value", ""))
        return data

    def key(self):
        try:
            name = resolve(urlsplit(self.url).path).url_name
        except Resolver404:
            name = self.url
        return name, tuple(sorted({c.attrs["name"] for c in self.asked()}))


def _is_date_part(control: Node) -> bool:
    return "govuk-date-input__input" in (control.attrs.get("class") or "")


def _is_number(control: Node) -> bool:
    return control.attrs.get("type") == "number" or control.attrs.get("inputmode") in ("numeric", "decimal")


def _options(select: Node) -> list[str]:
    return [o.attrs.get("value", squash(o.text())) for o in select.find_all("option")]


def submission(form: Form, kind: str) -> dict:
    """What to post: ``empty`` (nothing asked for answered), ``bad`` or ``impossible-date``."""
    data = form.hidden()
    ticked = set()
    for c in form.asked():
        name, kind_of = c.attrs["name"], c.attrs.get("type", "text")
        if c.tag == "select":
            options = _options(c)
            value = (options[0] if kind == "empty" else options[-1]) if options else ""
            data.setdefault(name, []).append(value)
        elif kind_of in ("radio", "checkbox"):
            if kind != "empty" and name not in ticked:
                ticked.add(name)
                data.setdefault(name, []).append(c.attrs.get("value", "on"))
        elif kind == "empty":
            data.setdefault(name, []).append("")
        elif _is_date_part(c):
            if kind == "bad":
                value = NOT_A_NUMBER
            else:
                value = {"day": "31", "month": "2", "year": "2026"}.get(_date_part(c), "31")
            data.setdefault(name, []).append(value)
        elif _is_number(c):
            data.setdefault(name, []).append(NOT_A_NUMBER if kind == "bad" else "99999999999999999999")
        elif kind_of == "email":
            data.setdefault(name, []).append("not an email address")
        else:
            data.setdefault(name, []).append(LONG if kind == "bad" else "A")
    return data


def _date_part(control: Node) -> str:
    name = control.attrs["name"]
    for part, endings in (("day", ("-day", "_0")), ("month", ("-month", "_1")), ("year", ("-year", "_2"))):
        if name.endswith(endings):
            return part
    return "day"


def forms_on(html: str, page: str, role: str) -> list[Form]:
    root = parse(html)
    found = []
    for node in root.find_all("form"):
        if (node.attrs.get("method") or "get").lower() != "post":
            continue
        form = Form(url=urljoin(page, node.attrs.get("action") or page), page=page, role=role, node=node)
        if form.asked():
            found.append(form)
    return found


# --- what an answer must show ---------------------------------------------------------------------------------


def message_problems(text: str) -> list[str]:
    return [f"{why}: {text!r}" for pattern, why in UNGRAMMATICAL if re.search(pattern, text)]


def _error_text(node: Node) -> str:
    return squash(node.text().replace("Error:", "", 1))


def _focusable_control(target: Node) -> bool:
    if target.tag in ("select", "textarea"):
        return True
    return target.tag == "input" and target.attrs.get("type", "text") not in ("hidden", "submit", "button")


def answer_problems(form: Form, sent: dict, response) -> list[str]:
    """Problems with the page that answered ``sent``; [] for a form that accepted it."""
    where = f"{form.key()[0]} (from {form.page} as {form.role})"
    if response.status_code >= 500:
        return [f"{where}: answered {response.status_code}"]
    if response.status_code in (301, 302, 303) or "html" not in response.get("Content-Type", ""):
        return []
    root = parse(response.content.decode())
    inline = [
        n for n in root.find_all(cls="govuk-error-message")
        if not any("govuk-error-summary" in (a.attrs.get("class") or "") for a in n.ancestors())
    ]  # fmt: skip
    summaries = root.find_all(cls="govuk-error-summary")
    if not summaries:
        if inline:
            return [f"{where}: errors beside fields but no error summary: {[_error_text(n) for n in inline]}"]
        return []
    problems = []
    links = [a for s in summaries for a in s.find_all("a")]
    listed = [squash(a.text()) for a in links] + [
        squash(li.text()) for s in summaries for li in s.find_all("li") if not li.find_all("a")
    ]
    if not listed:
        problems.append(f"{where}: an error summary with no errors in it")
    ids = {n.attrs["id"]: n for n in root.iter() if n.attrs.get("id")}
    for a in links:
        href = a.attrs.get("href", "")
        target = ids.get(href[1:]) if href.startswith("#") else None
        if target is None:
            problems.append(f"{where}: the error link {squash(a.text())!r} goes to {href!r}, which is not on the page")
        elif not _focusable_control(target):
            problems.append(
                f"{where}: the error link {squash(a.text())!r} goes to {href!r}, a <{target.tag}>, not a form control"
            )
    for node in inline:
        text = _error_text(node)
        # The summary may name which of several like groups the error is in ("Step 2: Choose who is told").
        if not any(item == text or item.endswith(f": {text}") for item in listed):
            problems.append(f"{where}: the error {text!r} beside a field is not in the error summary {listed}")
    for text in {*listed, *(_error_text(n) for n in inline)}:
        problems.extend(f"{where}: {p}" for p in message_problems(text))
    problems.extend(f"{where}: {p}" for p in kept_problems(root, sent))
    return problems


def kept_problems(root: Node, sent: dict) -> list[str]:
    """What was typed, ticked or chosen and is no longer there (only fields the answer shows again)."""
    problems = []
    shown: dict[str, list[Node]] = {}
    for node in root.iter():
        if node.tag in CONTROLS and node.attrs.get("name") in sent:
            shown.setdefault(node.attrs["name"], []).append(node)
    for name, nodes in shown.items():
        values = [v for v in sent[name] if v]
        if not values:
            continue
        kind = nodes[0].attrs.get("type", "text") if nodes[0].tag == "input" else nodes[0].tag
        if kind in ("hidden", "password", "submit", "button", "select"):
            continue
        if nodes[0].attrs.get("autocomplete") == "one-time-code":
            continue  # a wrong security code is cleared for the next one, not kept
        if kind in ("radio", "checkbox"):
            checked = {n.attrs.get("value", "on") for n in nodes if "checked" in n.attrs}
            missing = [v for v in values if v not in checked]
            if missing:
                problems.append(f"{name}: {missing} was ticked and is no longer")
            continue
        now = [squash(n.text()) if n.tag == "textarea" else n.attrs.get("value", "") for n in nodes]
        if kind == "textarea":
            values = [squash(v) for v in values]
        if values != now[: len(values)]:
            problems.append(f"{name}: {values[0][:20]!r} was typed and the box now holds {now[0][:20]!r}")
    return problems


# --- the crawl ------------------------------------------------------------------------------------------------


# One role per page keeps the crawl small: the role that works there tried first, then the others until one can
# open it. A form a page shows only to another role posts to a page of its own, crawled too (the decision, the
# rating, the outcome...), where the role that may use it opens it.
FIRST_ROLE = [
    ("settings/", Role.ADMIN), ("security/", Role.ADMIN), ("navigators/settings/", Role.ADMIN),
    ("navigators/", Role.NAVIGATOR), ("early-help/", Role.EHCOORD), ("contacts/referral/", Role.REFERRER),
    ("contacts/report/", ANONYMOUS), ("account/", ANONYMOUS), ("contacts/", Role.TRIAGE), ("triage/", Role.TRIAGE),
    ("people/", Role.TRIAGE), ("dashboard/", Role.HEAD),
]  # fmt: skip
# Not pages with a form: files, print views, fragments htmx fetches, and what a GET would do (sign out).
NOT_FORM_PAGES = (".pdf", ".csv", "download/", "print/", "rows/", "autosave/", "keep-alive/", "sign-out/", "health/")


def roles_to_try(route: str) -> list[str]:
    first = next((role for prefix, role in FIRST_ROLE if route.startswith(prefix)), None)
    return [first, *(r for r in ROLES if r != first)] if first else ROLES


def find_forms(world, clients) -> list[Form]:
    """Every distinct form that POSTs and asks for something, on every HTML page, as the first role that can open it."""
    found: dict = {}
    for pattern in patterns():
        if pattern.route.startswith(("api/", "platform/")) or pattern.route.endswith(NOT_FORM_PAGES):
            continue
        for role in roles_to_try(pattern.route):
            url = world.path(pattern, role)
            response = clients[role][0].get(url)
            if response.status_code == 405:
                break  # a page that only takes a POST: nothing to open, whoever asks
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for form in forms_on(response.content.decode(), url, role):
                found.setdefault(form.key(), form)
            break
    return list(found.values())


def submit(client, form: Form, data: dict):
    cache.clear()  # the public form's throttle would answer 429 before reading the input
    with transaction.atomic():
        response = client.post(form.url, data)
        transaction.set_rollback(True)
    return response


@pytest.fixture
def world(tenant_a, make_user, settings):
    settings.AXES_ENABLED = False  # the sign-in form is submitted empty and with bad values too
    return build_world(tenant_a, make_user)


def test_every_form_reports_all_its_errors_in_words_a_person_wrote_and_keeps_what_was_typed(world):
    clients = role_clients(world)
    forms = find_forms(world, clients)
    assert len(forms) > 20, [f.key() for f in forms]  # the crawl found the product's forms
    problems = []
    reported = 0
    for form in forms:
        client = clients[form.role][0]
        kinds = ["empty", "bad"]
        if any(_is_date_part(c) for c in form.asked()):
            kinds.append("impossible-date")
        for kind in kinds:
            sent = submission(form, kind)
            response = submit(client, form, sent)
            found = answer_problems(form, sent, response)
            problems.extend(f"[{kind}] {p}" for p in found)
            reported += b"govuk-error-summary" in response.content
    assert reported > 20  # most forms refused what they were sent, so the checks above ran
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))


# --- the checks themselves can fail -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "Select do the parents or carers know about this referral",
        "This field is required.",
        "Enter a whole number.",
        "Enter a valid value",
        "Enter the the date",
        "enter your name",
        "Enter your name ",
        "Enter who in the family agreed?",
        "Enter Date of birth",
        "Add a case note must be 10,000 characters or fewer",
    ],
)
def test_the_list_of_ungrammatical_messages_catches_assembled_and_generic_ones(message):
    assert message_problems(message)


@pytest.mark.parametrize(
    "message",
    [
        "Select whether the parents know about this referral",
        "Enter the child's date of birth",
        "Date of birth must be a real date",
        "Notes must be 2,000 characters or fewer",
        "Enter an email address in the correct format, like name@example.org",
    ],
)
def test_messages_a_person_wrote_pass(message):
    assert not message_problems(message)


def test_an_answer_that_loses_a_tick_or_links_nowhere_is_reported():
    form = Form(url="/x/", page="/x/", role=ANONYMOUS, node=parse("<form method=post></form>"))
    html = """<div class="govuk-error-summary"><ul><li><a href="#id_name">Enter your name</a></li>
    <li><a href="#nowhere">Select a colour</a></li></ul></div>
    <p class="govuk-error-message" id="id_other-error"><span>Error:</span> Enter your age</p>
    <input name="name" id="id_name" value=""><input type="checkbox" name="colour" value="red">"""

    class Response:
        status_code = 400
        content = html.encode()

        def get(self, name, default=""):
            return "text/html; charset=utf-8"

    problems = answer_problems(form, {"name": ["Ann"], "colour": ["red"]}, Response())
    assert any("'#nowhere'" in p for p in problems)
    assert any("'Enter your age'" in p and "not in the error summary" in p for p in problems)
    assert any("was typed" in p for p in problems) and any("was ticked" in p for p in problems)


def test_a_question_cannot_be_turned_into_an_error_message_without_words_written_for_it():
    from contacts.forms import radios_field, text_field
    from mash.forms import CharField

    with pytest.raises(ValueError, match="required_message"):
        radios_field("Do you need to add another?", [("yes", "Yes"), ("no", "No")])
    with pytest.raises(ValueError, match="noun"):
        text_field("Who did you call?", 200)
    with pytest.raises(ValueError, match="noun"):
        CharField(label="How did you confirm who they are?", max_length=500)
    field = radios_field(
        "Do you need to add another?", [("yes", "Yes")], required_message="Select whether you need to add another"
    )
    assert field.error_messages["required"] == "Select whether you need to add another"
    assert CharField(label="Note (optional)", max_length=2000).error_messages["max_length"] == (
        "Note must be 2,000 characters or fewer"
    )
