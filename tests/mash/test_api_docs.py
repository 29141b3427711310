def test_openapi_schema_is_served_to_anyone(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/agencies/" in document["paths"]
    assert "tokenAuth" in document["components"]["securitySchemes"]


def test_browsable_api_docs_page_is_served_without_external_assets(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui" in body
    assert "cdn.jsdelivr.net" not in body  # assets come from the sidecar package, not a CDN


def test_liveness_answers_without_disclosing_anything(client, db):
    response = client.get("/health/")
    assert response.json() == {"status": "ok"}


def test_health_needs_an_admin_or_head(tenant_a, make_user, api_as):
    assert api_as(make_user(tenant_a, "triage")).get("/api/v1/health/").status_code == 403
    response = api_as(make_user(tenant_a, "admin")).get("/api/v1/health/")
    assert response.status_code == 200
    assert response.data["database"] is True
    assert set(response.data) >= {"broker", "worker_last_seen", "beat_last_seen", "sweep_last_run"}
