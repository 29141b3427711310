"""Documents on a contact: hub workers and the contact's referrer attach them; files are checked by their
content, not their name; every download goes through the contact's firewall and is audited."""

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mash import tenancy
from mash.models import Document
from mash.roles import Role
from tests.audit_helpers import audit_event, audit_events
from tests.contacts.builders import submit
from tests.mash import document_builders as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_a, tenant_b, make_user):
    return {
        "referrer": make_user(tenant_a, Role.REFERRER),
        "other_referrer": make_user(tenant_a, Role.REFERRER),
        "triage": make_user(tenant_a, Role.TRIAGE),
        "manager": make_user(tenant_a, Role.MANAGER),
        "head": make_user(tenant_a, Role.HEAD),
        "navigator": make_user(tenant_a, Role.NAVIGATOR, agency=_agency(tenant_a)),
        "other_tenant_triage": make_user(tenant_b, Role.TRIAGE),
    }


def _agency(tenant):
    from tests.factories import AgencyFactory

    return AgencyFactory(tenant=tenant, slug="police", name="Police")


@pytest.fixture
def contact(people, api_as):
    return submit(api_as(people["referrer"]))


def _attach(client, contact_id, name, content, kind="police_report", **extra):
    return client.post(
        f"/api/v1/contacts/{contact_id}/documents/",
        {"file": files.upload(name, content), "kind": kind, **extra},
        format="multipart",
    )


def _stored_files() -> list[str]:
    storage = storages["documents"]
    found = []

    def walk(path):
        directories, names = storage.listdir(path)
        found.extend(f"{path}/{n}".lstrip("/") for n in names)
        for directory in directories:
            walk(f"{path}/{directory}".lstrip("/"))

    walk("")
    return found


# --- what may be attached: by content ------------------------------------------------------------------


@pytest.mark.parametrize("which", sorted(files.ALLOWED))
def test_each_allowed_type_is_accepted_by_its_content_and_comes_back_as_it_went(which, people, contact, api_as):
    name, make, content_type = files.ALLOWED[which]
    content = make()
    response = _attach(api_as(people["triage"]), contact["id"], name, content, description="From the duty sergeant")
    assert response.status_code == 201, response.content
    assert response.data["content_type"] == content_type
    assert response.data["name"] == name
    assert response.data["size"] == len(content)

    download = api_as(people["manager"]).get(response.data["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("program", [files.windows_program, files.linux_program], ids=["windows", "linux"])
def test_a_program_named_pdf_is_refused_and_nothing_is_kept(program, people, contact, api_as, tenant_a):
    before = set(_stored_files())
    response = _attach(api_as(people["triage"]), contact["id"], "police-report.pdf", program())
    assert response.status_code == 400
    assert response.data["file"] == [
        "The selected file is a program, not a document, whatever its name says. "
        "It must be a PDF, an image (PNG, JPEG, GIF or WebP), a Word document or a text file"
    ]
    with tenancy.tenant_context(tenant_a):
        assert not Document.objects.exists()
    assert set(_stored_files()) == before


def test_a_real_pdf_with_the_wrong_extension_is_accepted_as_a_pdf(people, contact, api_as):
    response = _attach(api_as(people["triage"]), contact["id"], "statement.txt", files.pdf())
    assert response.status_code == 201
    assert response.data["content_type"] == "application/pdf"
    download = api_as(people["triage"]).get(response.data["download"])
    # Saved as what it is: the browser's PDF reader opens it, not a text editor.
    assert download["Content-Disposition"] == 'attachment; filename="statement.txt.pdf"'
    assert download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("archive.docx", files.plain_zip(), "The selected file must be a PDF, an image (PNG, JPEG, GIF or WebP), "
                                            "a Word document or a text file"),
        ("notes.txt", b"Leo\x00Hart", "The selected file must be a PDF, an image (PNG, JPEG, GIF or WebP), "
                                      "a Word document or a text file"),
        ("notes.txt", b"\xff\xfe\xfa not UTF-8", "The selected file must be a PDF, an image (PNG, JPEG, GIF or "
                                                 "WebP), a Word document or a text file"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("truncated.docx", files.docx()[:40], "The selected file could not be read. Check it opens on your "
                                              "computer and try again"),
    ],
    ids=["zip-not-word", "text-with-nul", "not-utf8", "empty", "truncated-docx"],
)  # fmt: skip
def test_what_is_not_a_document_is_refused_with_the_reason(name, content, message, people, contact, api_as):
    response = _attach(api_as(people["triage"]), contact["id"], name, content)
    assert response.status_code == 400
    assert response.data["file"] == [message]


def test_no_file_is_refused_with_select_a_file(people, contact, api_as):
    response = api_as(people["triage"]).post(
        f"/api/v1/contacts/{contact['id']}/documents/", {"kind": "body_map"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.data["file"] == ["Select a file"]


def test_a_file_over_the_limit_is_refused(people, contact, api_as, settings):
    settings.DOCUMENTS_MAX_BYTES = 1024 * 1024  # the rule, at 1 MB: no need to send 20 MB each run
    response = _attach(api_as(people["triage"]), contact["id"], "big.txt", b"a" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert response.data["file"] == ["The file must be smaller than 1 MB"]
    assert _attach(api_as(people["triage"]), contact["id"], "fits.txt", b"a" * 1024 * 1024).status_code == 201


def test_the_limit_is_20_mb_by_default(people, contact, client, settings):
    assert settings.DOCUMENTS_MAX_BYTES == 20 * 1024 * 1024
    client.force_login(people["triage"])
    big = files.upload("scan.pdf", files.pdf() + b"\x00" * (20 * 1024 * 1024))  # once: 20 MB and a bit
    response = client.post(f"/contacts/{contact['id']}/documents/add/", {"file": big, "kind": "police_report"})
    assert response.status_code == 400
    assert "The file must be smaller than 20 MB" in response.content.decode()


def test_the_file_is_stored_under_a_random_name_never_the_users(people, contact, api_as, tenant_a):
    before = set(_stored_files())
    response = _attach(api_as(people["triage"]), contact["id"], "../../Leo Hart police report.pdf", files.pdf())
    assert response.status_code == 201
    assert response.data["name"] == "Leo Hart police report.pdf"  # no folders
    stored = sorted(set(_stored_files()) - before)
    assert len(stored) == 1
    assert "Leo" not in stored[0] and "report" not in stored[0]
    with tenancy.tenant_context(tenant_a):
        assert Document.objects.get().storage_name == stored[0]


# --- who may attach and read ---------------------------------------------------------------------------


def test_the_referrer_attaches_to_their_contact_and_sees_only_what_they_attached(people, contact, api_as):
    assert (
        _attach(
            api_as(people["referrer"]), contact["id"], "eha.docx", files.docx(), "early_help_assessment"
        ).status_code
        == 201
    )
    staff_upload = _attach(api_as(people["triage"]), contact["id"], "police.pdf", files.pdf())
    listed = api_as(people["referrer"]).get(f"/api/v1/contacts/{contact['id']}/documents/")
    assert [d["name"] for d in listed.data] == ["eha.docx"]
    # The hub's own documents (a police report) are not the referrer's to read.
    assert api_as(people["referrer"]).get(staff_upload.data["download"]).status_code == 404
    assert {d["name"] for d in api_as(people["triage"]).get(f"/api/v1/contacts/{contact['id']}/documents/").data} == {
        "eha.docx",
        "police.pdf",
    }


def test_the_referrer_of_another_contact_gets_404(people, contact, api_as, client):
    upload = _attach(api_as(people["referrer"]), contact["id"], "eha.pdf", files.pdf())
    other = api_as(people["other_referrer"])
    assert other.get(upload.data["download"]).status_code == 404
    assert other.get(f"/api/v1/contacts/{contact['id']}/documents/").status_code == 404
    assert _attach(other, contact["id"], "mine.pdf", files.pdf()).status_code == 404
    client.force_login(people["other_referrer"])
    assert client.get(f"/documents/{upload.data['id']}/").status_code == 404
    assert client.get(f"/contacts/{contact['id']}/documents/add/").status_code == 404


def test_another_tenant_and_a_navigator_get_404_on_the_document(people, contact, api_as, client):
    upload = _attach(api_as(people["triage"]), contact["id"], "police.pdf", files.pdf())
    for who in ("other_tenant_triage", "navigator"):
        assert api_as(people[who]).get(upload.data["download"]).status_code == 404, who
        client.force_login(people[who])
        response = client.get(f"/documents/{upload.data['id']}/")
        assert response.status_code == 404, who
        assert b"%PDF" not in response.content


def test_a_head_of_service_reads_but_may_not_attach(people, contact, api_as):
    upload = _attach(api_as(people["triage"]), contact["id"], "police.pdf", files.pdf())
    assert api_as(people["head"]).get(upload.data["download"]).status_code == 200
    refused = _attach(api_as(people["head"]), contact["id"], "mine.pdf", files.pdf())
    assert refused.status_code == 403


# --- audited --------------------------------------------------------------------------------------------


def test_upload_and_download_are_audited_with_who_which_document_and_which_record(
    people, contact, api_as, client, tenant_a
):
    upload = _attach(api_as(people["referrer"]), contact["id"], "body-map.png", files.ALLOWED["png"][1](), "body_map")
    client.force_login(people["triage"])
    response = client.get(f"/documents/{upload.data['id']}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="body-map.png"'

    uploaded = audit_event(tenant_a, action="document.uploaded", object_id=str(upload.data["id"]))
    assert uploaded.actor == people["referrer"]
    downloaded = audit_event(tenant_a, action="document.downloaded", object_id=str(upload.data["id"]))
    assert downloaded.actor == people["triage"]
    for event in (uploaded, downloaded):
        assert event.changes["record"] == "contacts.contact"
        assert event.changes["record_id"] == contact["id"]
        assert event.changes["record_label"] == contact["reference"]
        assert event.changes["name"] == "body-map.png"
    # A refused download (another tenant, another referrer) is not a download.
    api_as(people["other_referrer"]).get(upload.data["download"])
    assert len(audit_events(tenant_a, action="document.downloaded")) == 1


# --- the pages ------------------------------------------------------------------------------------------


def test_a_triage_worker_attaches_on_the_page_and_the_contact_shows_it(people, contact, client):
    client.force_login(people["triage"])
    page = client.get(f"/contacts/{contact['id']}/documents/add/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()
    response = client.post(
        f"/contacts/{contact['id']}/documents/add/",
        {"file": files.upload("Police report.pdf", files.pdf()), "kind": "police_report", "description": "PC Reid"},
    )
    assert response.status_code == 302
    record = client.get(f"/triage/contacts/{contact['id']}/").content.decode()
    assert "Police report.pdf" in record
    assert "Police report" in record and "PDF, 142 bytes" in record
    assert people["triage"].get_full_name() in record or people["triage"].get_username() in record


def test_a_refused_file_on_the_page_keeps_what_was_chosen_and_says_why(people, contact, client):
    client.force_login(people["referrer"])
    response = client.post(
        f"/contacts/{contact['id']}/documents/add/",
        {"file": files.upload("report.pdf", files.windows_program()), "kind": "body_map", "description": "Bruising"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_file">The selected file is a program' in html
    assert 'value="body_map" checked' in html
    assert "Bruising" in html


def test_the_referrer_sees_their_documents_on_their_referral(people, contact, client, api_as):
    _attach(api_as(people["referrer"]), contact["id"], "eha.pdf", files.pdf(), "early_help_assessment")
    _attach(api_as(people["triage"]), contact["id"], "police-intelligence.pdf", files.pdf())
    client.force_login(people["referrer"])
    html = client.get(f"/contacts/{contact['id']}/").content.decode()
    assert "eha.pdf" in html
    assert "police-intelligence.pdf" not in html


def test_the_contact_page_keeps_a_constant_number_of_queries_with_more_documents(people, contact, client, api_as):
    client.force_login(people["triage"])
    url = f"/triage/contacts/{contact['id']}/"
    _attach(api_as(people["triage"]), contact["id"], "one.pdf", files.pdf())
    client.get(url)  # warm caches (content types, the tenant's settings)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        _attach(api_as(people["referrer"]), contact["id"], f"more-{n}.txt", files.text(), "other")
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    assert "more-3.txt" in html and "one.pdf" in html
    assert len(five) == len(one)
