import os
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from mash.roles import Role
from tests.factories import AgencyFactory, TenantFactory, UserFactory, token_for

# -- parallel runs (pytest-xdist; bin/test runs ``-n 2``) --------------------------------------------
# Each xdist worker ("gw0", "gw1", ...) runs in a process of its own. pytest-django gives each its own
# test database (test_<name>_gw0, ...): migrated, and walled by row-level security (the policies and
# grants are installed per database after migrate; the application role is server-wide, created once by
# bin/test). What else tests share is split here, at import, before any test module reads it:
#
# * Redis: a database index per worker, counted up from REDIS_URL's (9 -> 9, 10, ...), or down when
#   that would pass 15 (the default 15 -> 15, 14, ...). Not a queue name or key prefix: the worker
#   tests (tests/deadlines/test_worker.py) start real Celery workers that must consume only their own
#   process's tasks, and simulate a lost broker with FLUSHDB, which empties a whole database index.
# * MASH_VAR_DIR (mail, beat schedule, the filesystem broker without REDIS_URL): a folder per worker.
# * Hypothesis' example database: a folder per worker.
#
# Settings were read before this file (pytest-django sets Django up first), so the derived settings and
# the Celery app's broker are updated too; subprocesses the tests start inherit the environment.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_DATABASES = 16  # Redis' default number of database indexes


def _worker_index() -> int | None:
    if XDIST_WORKER.startswith("gw") and XDIST_WORKER[2:].isdigit():
        return int(XDIST_WORKER[2:])
    return None


def _redis_url_of_worker(url: str, index: int) -> str:
    parts = urllib.parse.urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = base + index if base + index < REDIS_DATABASES else base - index
    if db < 0:
        raise pytest.UsageError(f"too many xdist workers for one Redis database each from {url}")
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


def _split_shared_state_between_workers(index: int) -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        redis_url = _redis_url_of_worker(redis_url, index)
        os.environ["REDIS_URL"] = redis_url
        django_settings.REDIS_URL = redis_url
        django_settings.CELERY_BROKER_URL = redis_url
        for config in django_settings.CACHES.values():  # the rate-limit counters (and the calendar cache)
            if config["BACKEND"].endswith("RedisCache"):
                config["LOCATION"] = redis_url
        from mash.celery import app

        app.conf.broker_url = redis_url

    var_dir = Path(django_settings.VAR_DIR) / f"test-{XDIST_WORKER}"
    os.environ["MASH_VAR_DIR"] = str(var_dir)
    django_settings.VAR_DIR = var_dir
    django_settings.EMAIL_FILE_PATH = var_dir / "mail"
    django_settings.CELERY_BEAT_SCHEDULE_FILENAME = str(var_dir / "celerybeat-schedule")
    if not redis_url:  # kombu's filesystem broker, under the worker's own folder
        broker = var_dir / "broker"
        options = {
            "data_folder_in": str(broker / "out"),
            "data_folder_out": str(broker / "out"),
            "processed_folder": str(broker / "processed"),
            "control_folder": str(broker / "control"),
        }
        django_settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**django_settings.CELERY_BROKER_TRANSPORT_OPTIONS, **options}
        from mash.celery import app

        app.conf.broker_transport_options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for folder in options.values():
            os.makedirs(folder, exist_ok=True)

    from hypothesis import settings as hypothesis_settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    # Under CI Hypothesis loads its "ci" profile: derandomized, so no example database at all (and
    # giving one is an error). Elsewhere each worker keeps its own.
    if not hypothesis_settings.default.derandomize:
        examples = Path(django_settings.BASE_DIR) / ".hypothesis" / f"examples-{XDIST_WORKER}"
        hypothesis_settings.register_profile("xdist-worker", database=DirectoryBasedExampleDatabase(examples))
        hypothesis_settings.load_profile("xdist-worker")


if _worker_index() is not None:
    _split_shared_state_between_workers(_worker_index())


# bin/test runs `-n <CPUs> --dist loadgroup`, and the groups are chosen here: tests are handed out one
# by one (the schemathesis operations alone are minutes of work), except the files below, whose tests
# run in one process, in order. xdist_group marks would be the usual way, but pytest-xdist 3.8 no
# longer sees them under pytest 9.2 (pytest-dev/pytest-xdist#1386); the controller that schedules has
# only node ids, so the groups are files (named: files of one group share a process).
ONE_PROCESS_FILES = {
    # The application role is server-wide: its session fixture's ALTER ROLE, run by two processes at
    # once, can fail in PostgreSQL with "tuple concurrently updated".
    "tests/security/test_row_level_security.py": "row-level-security",
    # Real Celery workers with timing limits: two of these tests at once on a two-core machine would
    # race four worker processes against each other's deadlines. One group: the chaos run's workers
    # must not overlap the worker tests' either.
    "tests/deadlines/test_worker.py": "real-workers",
    "tests/deadlines/test_chaos.py": "real-workers",
}


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class OneByOneButSomeFilesTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            return ONE_PROCESS_FILES.get(path) or super()._split_scope(nodeid)

    return OneByOneButSomeFilesTogether(config, log)


# -- one migration for every process's test database ------------------------------------------------
# Migrating an empty PostgreSQL database takes 20 s on this machine (Django renders the models' states of 103
# migrations), and the three processes did it at once on two cores at the start of every run: 35-40 s each
# before their first test. Now the first process to get there migrates its database and copies it to a
# template for this run; the others wait for it (a PostgreSQL advisory lock), then create theirs from the
# template (CREATE DATABASE ... TEMPLATE, a second), exactly as migrated: tables, row-level security policies,
# grants and planner statistics are all in the database. The template is named for this run (a fresh one
# every run, never an older run's) and dropped by the controller when the run ends. ``--reuse-db`` and runs in
# one process migrate as pytest-django always does.
TEMPLATE_RUN = "MASH_TEST_DB_TEMPLATE_RUN"


def _maintenance_connection():
    """A connection to the server's ``postgres`` database, in autocommit (CREATE and DROP DATABASE need it)."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
        password=params["PASSWORD"] or None, dbname="postgres", autocommit=True,
    )  # fmt: skip


def _template_name(test_database: str, run: str) -> str:
    base = test_database.removesuffix(f"_{XDIST_WORKER}") if XDIST_WORKER else test_database
    return f"{base[:40]}_template_{run}"


def _create_from_template(original):
    from psycopg import sql

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        run = os.environ.get(TEMPLATE_RUN, "")
        if keepdb or not run or self.connection.vendor != "postgresql":
            return original(self, verbosity, autoclobber, serialize, keepdb)
        name = self._get_test_db_name()
        template = _template_name(name, run)
        with _maintenance_connection() as admin:
            admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])  # held until this connection ends
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
                created = original(self, verbosity, autoclobber, serialize, keepdb)
                self.connection.close()  # a database is copied only while no one is connected to it
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(template), sql.Identifier(created))
                )
                return created
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        self.connection.close()
        django_settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        self.connection.ensure_connection()
        return name

    return create_test_db


if XDIST_WORKER and os.environ.get(TEMPLATE_RUN):
    from django.db.backends.base.creation import BaseDatabaseCreation

    BaseDatabaseCreation.create_test_db = _create_from_template(BaseDatabaseCreation.create_test_db)


def pytest_configure(config):
    workers = getattr(config.option, "numprocesses", None)  # pytest-xdist's -n: 0 or None runs in this process
    if not hasattr(config, "workerinput") and workers and not os.environ.get(TEMPLATE_RUN):  # the controller
        os.environ[TEMPLATE_RUN] = uuid.uuid4().hex[:8]  # before the workers start: they inherit it
        config._mash_template_run = os.environ[TEMPLATE_RUN]


def pytest_unconfigure(config):
    run = getattr(config, "_mash_template_run", None)
    if not run:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg
    from psycopg import sql

    template = _template_name(connection.creation._get_test_db_name(), run)
    try:
        with _maintenance_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(template)))
    except psycopg.Error as exc:  # the server gone by the end of the run: say what is left behind
        print(f"\ntests/conftest.py: could not drop the test template database {template}: {exc}")


# The longest tests start first, so that no process is left running one of them alone at the end while the
# other has finished (the every-page crawl alone is one to two minutes). pytest-django has already put the
# tests in Django's order (database tests, then transactional ones, then those without a database: a flush
# empties tables that tests before it may rely on); within each of those the longest go first, then the other
# browser, worker and slow tests, and the short ones fill in last. A stable sort, the same in every process.
LONGEST_FIRST = (
    "tests/e2e/test_every_page.py::",
    "tests/test_embedded_default.py::",
    "tests/security/test_hostile_input.py::test_no_url_answers_a_server_error_to_hostile_input_as_any_role",
    "tests/deadlines/test_move_migration.py::",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    def django_order(item):  # pytest-django's own (pytest_django.plugin), which the sort must keep
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
            return 1
        return 0 if marker or "db" in fixtures else 2

    def weight(item):
        if item.nodeid.startswith(LONGEST_FIRST):
            return 0
        return 1 if any(item.get_closest_marker(mark) for mark in ("e2e", "slow", "worker")) else 2

    items.sort(key=lambda item: (django_order(item), weight(item)))


def pytest_itemcollected(item):
    # A test that drives the browser is a browser test, whatever its module says: `-m "not e2e"` then
    # never needs chromium. (Marked as each test is collected, before -m selects.)
    if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("e2e") is None:
        item.add_marker(pytest.mark.e2e)
    # schemathesis names each operation's test "test_x[GET /api/v1/...]", but under pytest 9.2 every
    # one of them gets the same node id, "...::test_x" (its ids are built from structured parts now).
    # pytest-xdist keys tests by node id: --dist loadfile would run one operation of the 43 and
    # silently drop the rest. Give each the id its name says.
    name, node_id = item.name, getattr(item, "_id", None)
    if "[" in name and name.endswith("]") and node_id is not None and not item.nodeid.endswith("]"):
        item._id = node_id.with_params(name.partition("[")[2][:-1])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test; 72 demo sign-ins with PBKDF2 would take half a minute.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    # The public report's rate-limit counters live in the cache (Redis when REDIS_URL is set, shared by
    # parallel test workers): each test counts under a key prefix of its own and inherits no count.
    # Never cache.clear() there: on Redis it empties the whole database, Celery's broker keys included.
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True, scope="session")
def _documents_in_a_temporary_directory(tmp_path_factory):
    # Attached documents (mash.documents) go to a directory of this run (each xdist worker its own), never
    # to the checkout's var/documents. Set once, before any test opens the storage.
    from django.conf import settings as django_settings
    from django.core.files.storage import storages

    options = django_settings.STORAGES["documents"].setdefault("OPTIONS", {})
    options["location"] = str(tmp_path_factory.mktemp("documents"))
    storages._storages.pop("documents", None)
    yield


# -- sign-in security (mash.security) -------------------------------------------------------------
# Tests sign people in with ``client.force_login(user)`` (or ``client.login``). With multi-factor
# sign-in required for staff, such a session would reach only the second-factor pages; here it is
# completed as the sign-in page completes it: a confirmed authenticator device, and the session
# marked verified the way django-otp does. Tests of the second factor itself use
# ``client.force_login_password_only(user)``.


@pytest.fixture(autouse=True)
def _sign_in_completes_the_second_factor(monkeypatch):
    """Installs, for the test's duration, the sign-in described above on Django's test client (and so
    on DRF's APIClient, its subclass), and ``force_login_password_only`` beside it."""
    password_only_login = Client._login

    def login_with_second_factor(self, user, backend=None):
        password_only_login(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY

        from mash.security import mfa

        if getattr(self, "_mash_password_only", False) or not mfa.required_for(user):
            return
        device = mfa.ensure_confirmed_device(user)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    def force_login_password_only(self, user, backend=None):
        self._mash_password_only = True
        try:
            self.force_login(user, backend)
        finally:
            self._mash_password_only = False

    monkeypatch.setattr(Client, "_login", login_with_second_factor)
    monkeypatch.setattr(Client, "force_login_password_only", force_login_password_only, raising=False)


@pytest.fixture(autouse=True)
def _idle_timeout_off_unless_asked(request, settings):
    # Tests travel in time (deadlines); an idle timeout would sign their clients out. The tests of
    # the timeout itself (mark ``idle_timeout``) keep it on.
    if request.node.get_closest_marker("idle_timeout") is None:
        settings.SESSION_IDLE_TIMEOUT = 0


@pytest.fixture(autouse=True, scope="session")
def _flush_tables_as_owner():
    # Transactional tests empty the tables between tests with TRUNCATE: the tables' owner's job, not
    # the application role's (which row-level security confines). See mash.security.rls.owner_mode.
    from django.db.backends.base.operations import BaseDatabaseOperations

    from mash.security import rls

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with rls.owner_mode(self.connection.alias):
            return original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


@pytest.fixture
def tenant_a(db):
    return TenantFactory(slug="alpha", name="Alpha County Council", reference_prefix="ALP")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(slug="beta", name="Beta City Council", reference_prefix="BET")


@pytest.fixture
def make_user(db):
    def _make(tenant, role=Role.TRIAGE, **kwargs):
        return UserFactory(tenant=tenant, role=role, **kwargs)

    return _make


@pytest.fixture
def api_as():
    """An API client authenticated by DRF token, as partner systems call the API."""

    def _client(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return _client


@pytest.fixture
def agency_factory():
    return AgencyFactory
