"""Production refuses to start with an insecure secret key or DEBUG on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "a-long-random-production-secret-value-0123456789"


def _django_setup(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "mash.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ENV": "production"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
    ],
)
def test_production_refuses_insecure_settings(env, message):
    result = _django_setup(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_a_real_secret_and_debug_off():
    result = _django_setup(DJANGO_ENV="production", DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_the_application_database_role_must_be_a_plain_name():
    result = _django_setup(DATABASE_APP_ROLE='mash_app"; DROP TABLE x; --')
    assert result.returncode != 0
    assert "DATABASE_APP_ROLE must be a plain role name" in result.stderr


def _settings_in_a_fresh_process(names, **env):
    """The named settings, as a fresh process reads them from this environment."""
    code = "import django, json; django.setup(); from django.conf import settings as s; "
    code += f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, **env, "DJANGO_SETTINGS_MODULE": "mash.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_email_is_sent_through_the_smtp_relay_the_environment_names():
    names = ["EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS"]
    names += ["EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL", "SERVER_EMAIL"]
    read = _settings_in_a_fresh_process(
        names,
        EMAIL_HOST="smtp.example.gov.uk",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="mash",
        EMAIL_HOST_PASSWORD="relay-secret",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="10",
        DEFAULT_FROM_EMAIL="mash@example.gov.uk",
    )
    assert read == {
        "EMAIL_HOST": "smtp.example.gov.uk",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mash",
        "EMAIL_HOST_PASSWORD": "relay-secret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
        "DEFAULT_FROM_EMAIL": "mash@example.gov.uk",
        "SERVER_EMAIL": "mash@example.gov.uk",
    }


def test_email_over_both_starttls_and_implicit_tls_is_refused():
    result = _django_setup(EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS or EMAIL_USE_SSL, not both" in result.stderr
