"""One settings module, read from the environment with safe development defaults.

Production (``DJANGO_ENV=production``) refuses to start with DEBUG on or an insecure
secret key. Without ``DATABASE_URL`` the product runs on SQLite; without ``REDIS_URL``
Celery uses kombu's filesystem transport, a broker that needs no server.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Run-time files of the embedded default (SQLite database, filesystem broker, mail, beat schedule).
VAR_DIR = Path(env.str("MASH_VAR_DIR", default=str(BASE_DIR / "var")))

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = ENVIRONMENT == "production"

# bandit B105: a development default only; production refuses to start with it (below).
_DEV_SECRET = "dev-insecure-secret-key-not-for-production"  # noqa: S105  # nosec B105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET)
DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

if IS_PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a long random value in production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "mash",
    "thresholds",
    "deadlines",
    "contacts",
    "triage",
    "navigators",
    "earlyhelp",
    "people",
    "reporting",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "mash.security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mash.security.middleware.SecurityHeadersMiddleware",
    "mash.middleware.GovukAssetsWhiteNoiseMiddleware",
    "mash.middleware.RequestIdMiddleware",
    # Before sessions and sign-in: a character that cannot be stored is refused for everyone alike.
    "mash.security.input.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mash.security.middleware.OTPSessionMiddleware",
    "mash.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mash.security.middleware.SessionIdleTimeoutMiddleware",
    "mash.security.middleware.MultiFactorMiddleware",
    "mash.security.middleware.PlatformAdminMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mash.urls"
WSGI_APPLICATION = "mash.wsgi.application"

TEMPLATES = [
    {
        # Django's engine, letting each page's context go once rendered (mash/templating.py); named as Django's.
        "BACKEND": "mash.templating.ReleasingTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mash.context_processors.navigation",
                "deadlines.context_processors.notifications",
                "mash.security.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mash.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: workers wake for every clock, and a new connection per wake-up costs more than the work.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded development default: web, worker and beat share one file,
    # so wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction begins (Django 5.1+): a deferred transaction that reads
    # and then writes cannot wait for the lock and fails at once with "database is locked".
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Row-level security (mash.security.rls): the PostgreSQL role the application works as, neither a
# superuser nor exempt from row security. When DATABASE_URL names the tables' owner, each
# connection assumes this role (SET ROLE) and migrations go back to the owner. Empty: off.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
# The role cross-tenant system work (mash.tenancy.system_context) switches to: only worker, beat and
# management commands, whose DATABASE_URL logs in as it. Web processes set it empty and log in as the
# application role, which PostgreSQL never lets become it. Default: mash_system when roles are used.
DATABASE_SYSTEM_ROLE = env.str("DATABASE_SYSTEM_ROLE", default="mash_system" if DATABASE_APP_ROLE else "")
for _name, _role in (("DATABASE_APP_ROLE", DATABASE_APP_ROLE), ("DATABASE_SYSTEM_ROLE", DATABASE_SYSTEM_ROLE)):
    if _role and not _role.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"{_name} must be a plain role name (letters, digits, underscores).")

AUTH_USER_MODEL = "mash.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out username is refused before its password is even checked.
    "mash.security.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "mash.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; the public never holds object grants

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # default display zone; each tenant carries its own
USE_I18N = True
USE_TZ = True  # instants are stored in UTC

STATIC_URL = "/static/"
# collectstatic (production image) writes here; development serves straight from the finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if IS_PRODUCTION else None
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
    # The MoJ Design System (caseworking components built on govuk-frontend), staff pages only.
    ("moj", NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
# govuk-frontend's CSS asks for its fonts and images under /assets/.
GOVUK_ASSETS_ROOT = NODE_MODULES / "govuk-frontend" / "dist" / "govuk" / "assets"
# ... and so does the MoJ Frontend CSS (its icons: sortable-table arrows, filter, timeline).
MOJ_ASSETS_ROOT = NODE_MODULES / "@ministryofjustice" / "frontend" / "moj" / "assets"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# Documents attached to contacts and returns (mash.documents): never under MEDIA or STATIC, never served
# from a public URL; every download goes through a view that checks the record's firewall. Local files in
# a private directory by default; any django-storages backend by setting MASH_DOCUMENTS_STORAGE_BACKEND
# (and its options as JSON in MASH_DOCUMENTS_STORAGE_OPTIONS), e.g. storages.backends.s3.S3Storage.
DOCUMENTS_STORAGE = {
    "BACKEND": env.str("MASH_DOCUMENTS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
    "OPTIONS": env.json(
        "MASH_DOCUMENTS_STORAGE_OPTIONS",
        default={
            "location": str(VAR_DIR / "documents"),
            "base_url": "/no-public-url/",
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    ),
}
STORAGES["documents"] = DOCUMENTS_STORAGE
# Each document up to 20 MB (the issue's limit); larger uploads are refused with a clear error.
DOCUMENTS_MAX_BYTES = env.int("MASH_DOCUMENTS_MAX_BYTES", default=20 * 1024 * 1024)

# Reverse proxies in front of the application that append to X-Forwarded-For (0: clients connect directly).
# The public report's limit, and DRF's own throttles (NUM_PROXIES), take the client from this many hops in.
MASH_TRUSTED_PROXY_COUNT = env.int("MASH_TRUSTED_PROXY_COUNT", default=0)
if MASH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("MASH_TRUSTED_PROXY_COUNT must be 0 or more.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mash.security.authentication.TenantTokenAuthentication",  # DRF's, reading the tenant in the same query
        # A session counts only once it has passed the second factor (mash.security.authentication).
        "mash.security.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mash.permissions.IsTenantMember"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    # The guarded parsers refuse unstorable characters and deep nesting (mash.parsers); JSON out only:
    # the browsable API (?format=api) is off, so a format the API does not speak is 404.
    "DEFAULT_PARSER_CLASSES": [
        "mash.parsers.GuardedJSONParser",
        "mash.parsers.GuardedFormParser",
        "mash.parsers.GuardedMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "mash.schema.TenantAwareAutoSchema",
    "EXCEPTION_HANDLER": "mash.drf.exception_handler",
    # Public reports accepted per client per local authority, and every POST however it ends (mash.throttling).
    "DEFAULT_THROTTLE_RATES": {
        "public_marf": env.str("PUBLIC_MARF_RATE", default="10/hour"),
        "public_marf_posts": env.str("PUBLIC_MARF_POST_RATE", default="30/hour"),
    },
    "NUM_PROXIES": MASH_TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MASH front door API",
    "DESCRIPTION": "Integration contract v1 for partner-agency systems and referrer portals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ContactChannelEnum": "contacts.choices.Channel",
        "ConsentEnum": "contacts.choices.Consent",
        # Several objects have a "status" and an "outcome"; each gets its own named enum.
        "ContactStatusEnum": "contacts.choices.ContactStatus",
        "ContactOutcomeEnum": "contacts.choices.Outcome",
        "MatchStatusEnum": "contacts.choices.MatchStatus",
        "InformationRequestStatusEnum": "navigators.models.RequestStatus",
        "InformationReturnStatusEnum": "navigators.models.ReturnStatus",
        "EarlyHelpStatusEnum": "earlyhelp.models.EarlyHelpStatus",
        "EarlyHelpOutcomeEnum": "earlyhelp.models.EarlyHelpOutcome",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # ETA tasks sit unacknowledged in Redis until they run; a visibility timeout
        # shorter than the ETA makes Redis re-deliver them. Clocks only get an exact
        # wake-up when due within this horizon; the minute sweep catches the rest.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    }
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# The cache holds the public report's rate-limit counters, each tenant's working calendar and the work a staff
# request must finish first (mash.freshness): shared by every process (each gunicorn worker, the Celery worker),
# so one process's change is seen by all. Redis whenever REDIS_URL is set (its own key prefix beside Celery's
# keys); for the embedded default, files under VAR_DIR (Django's file-based cache), which every process of
# bin/run shares as it shares the SQLite database.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mash.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mash-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mash-noreply@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)  # sender of error reports to admins
# The SMTP relay (the production backend): address, credentials, encryption, and a timeout so that an
# unanswering relay cannot hold a worker for ever.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")

# Where people reach this installation: links in emails (set-up links) are built from it, never from
# a request's Host header (which a caller controls).
MASH_SITE_URL = env.str("MASH_SITE_URL", default="http://127.0.0.1:8000")
# A set-up link expires after this many seconds (Django's password-reset tokens): 3 days.
PASSWORD_RESET_TIMEOUT = env.int("MASH_SET_UP_LINK_SECONDS", default=3 * 24 * 60 * 60)
DEMO_PASSWORD = env.str("MASH_DEMO_PASSWORD", default="safeguarding-demo-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept default for forms

# --- sign-in security (mash.security) ---------------------------------------------------------
# Multi-factor sign-in (TOTP, django-otp) for every hub staff role and platform superusers.
MASH_MFA_REQUIRED = env.bool("MASH_MFA_REQUIRED", default=True)
# Referrers (external professionals) may enrol but are not required to; see mash/security/mfa.py.
MASH_MFA_FOR_REFERRERS = env.bool("MASH_MFA_FOR_REFERRERS", default=False)
OTP_TOTP_ISSUER = "MASH front door"
OTP_TOTP_TOLERANCE = 1  # one 30-second step either side, for clock drift on phones
# Idle timeout: a session unused this long is signed out; the page warns this long before.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_IDLE_WARNING = env.int("SESSION_IDLE_WARNING", default=2 * 60)
# django-axes: lockout after repeated failed sign-ins of one username (usernames carry the
# tenant's slug and are unique across tenants), for a cool-off period.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "mash.security.backends.lockout_username"
# Failures are forgiven only when a sign-in is complete (mash.security.views.forgive_failures): the password
# step alone logs in a session that still needs its code, and must not wipe the count of wrong codes.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log instead
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# axes.W006 asks to lock by IP address too. Councils sign in from shared office networks (one
# address for a whole building): locking an address would let one person lock out a hub.
# Passwords are also behind a second factor, and wrong codes count towards the username's lockout.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # models.W040: SQLite builds the reporting facts' covering index without its INCLUDE columns (a
    # PostgreSQL index-only-scan optimisation); the embedded default loses speed only, not a result.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Content-Security-Policy (django-csp): own origin only; the two inline scripts carry a nonce.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
