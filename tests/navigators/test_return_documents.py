"""Documents with an agency's return: the navigator attaches them on the return's page; they sit behind the
agency firewall (another agency's navigator, another tenant: 404) and reach the hub when the return is
submitted; each download is audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mash import tenancy
from navigators import services
from navigators.models import InformationShare
from tests.audit_helpers import audit_event
from tests.mash import document_builders as files
from tests.navigators.builders import good_return

pytestmark = pytest.mark.django_db


def _attach_on_the_page(client, request_pk, name="police-record.pdf", content=None, kind="agency_record"):
    return client.post(
        f"/navigators/requests/{request_pk}/documents/add/",
        {"file": files.upload(name, content if content is not None else files.pdf()), "kind": kind},
    )


def _document_id(hub, name):
    from mash.models import Document

    with tenancy.tenant_context(hub.tenant):
        return Document.objects.get(original_name=name).pk


@pytest.fixture
def police_document(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    response = _attach_on_the_page(client, requests["police"].pk)
    assert response.status_code == 302, response.content
    client.logout()
    return _document_id(hub, "police-record.pdf")


def test_the_navigator_attaches_to_the_draft_and_sees_it_on_the_request(hub, enquiry, client, police_document):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    html = client.get(f"/navigators/requests/{requests['police'].pk}/").content.decode()
    assert "Documents with the return" in html
    assert "police-record.pdf" in html
    assert "Agency record or extract" in html
    assert client.get(f"/documents/{police_document}/").status_code == 200
    # A colleague in the same agency reads it too.
    client.force_login(hub.nav_police2)
    assert client.get(f"/documents/{police_document}/").status_code == 200


@pytest.mark.parametrize("who", ["nav_health", "lead_health"])
def test_another_agencys_navigator_gets_404_on_the_document(hub, police_document, client, api_as, who):
    client.force_login(getattr(hub, who))
    response = client.get(f"/documents/{police_document}/")
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert api_as(getattr(hub, who)).get(f"/api/v1/documents/{police_document}/").status_code == 404


def test_another_tenants_navigator_gets_404_on_the_document(hub, other_hub, police_document, client, api_as):
    client.force_login(other_hub.nav_police)  # the same agency's name, in another local authority
    assert client.get(f"/documents/{police_document}/").status_code == 404
    assert api_as(other_hub.nav_police).get(f"/api/v1/documents/{police_document}/").status_code == 404


def test_another_agencys_navigator_cannot_attach_to_the_return(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.nav_health)
    assert client.get(f"/navigators/requests/{requests['police'].pk}/documents/add/").status_code == 404
    assert _attach_on_the_page(client, requests["police"].pk).status_code == 404


def test_the_hub_reads_the_documents_once_the_return_is_submitted(hub, enquiry, client, police_document):
    _contact, requests = enquiry
    client.force_login(hub.triage)
    assert client.get(f"/documents/{police_document}/").status_code == 404  # a draft is the agency's own
    assert "police-record.pdf" not in client.get(f"/navigators/requests/{requests['police'].pk}/").content.decode()
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    response = client.get(f"/documents/{police_document}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "police-record.pdf" in client.get(f"/navigators/requests/{requests['police'].pk}/").content.decode()

    downloaded = audit_event(hub.tenant, action="document.downloaded", actor=hub.triage)
    assert downloaded.object_id == str(police_document)
    assert downloaded.changes["record"] == "navigators.informationreturn"
    assert downloaded.changes["record_label"] == f"{requests['police'].contact.reference} (Police)"


def test_a_document_added_after_submission_is_logged_as_shared(hub, enquiry, client):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    client.force_login(hub.lead_police)
    response = _attach_on_the_page(client, requests["police"].pk, name="later.pdf")
    assert response.status_code == 302
    with tenancy.tenant_context(hub.tenant):
        shares = list(InformationShare.objects.filter(request=requests["police"]).order_by("shared_at"))
    assert "later.pdf" in shares[-1].what
    assert shares[-1].shared_by == hub.lead_police


def test_a_program_named_pdf_is_refused_on_the_return_page(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.nav_police)
    response = _attach_on_the_page(client, requests["police"].pk, content=files.linux_program())
    assert response.status_code == 400
    assert "The selected file is a program, not a document" in response.content.decode()


def test_the_request_page_keeps_a_constant_number_of_queries_with_more_documents(hub, enquiry, client):
    _contact, requests = enquiry
    url = f"/navigators/requests/{requests['police'].pk}/"
    client.force_login(hub.nav_police)
    _attach_on_the_page(client, requests["police"].pk, name="one.pdf")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(3):
        _attach_on_the_page(client, requests["police"].pk, name=f"more-{n}.txt", content=files.text())
    with CaptureQueriesContext(connection) as four:
        html = client.get(url).content.decode()
    assert "more-2.txt" in html
    assert len(four) == len(one)


def test_the_enquiry_page_shows_each_returns_documents_to_the_hub(hub, enquiry, client, police_document):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    client.force_login(hub.manager)
    html = client.get(f"/navigators/enquiries/{contact.pk}/").content.decode()
    assert "Documents with Police's return" in html
    assert f'href="/documents/{police_document}/"' in html
