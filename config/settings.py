"""Settings for NTP Tracker, read from the environment.

With no environment at all the application runs on a SQLite file beside manage.py with DEBUG on, so a
new user needs nothing installed. Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DATABASE_URL and
DJANGO_ALLOWED_HOSTS (see README).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
_INSECURE_DEV_KEY = "django-insecure-ntp-tracker-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that its admin/base_site.html (the header: greeting, language switch) is the one the admin uses.
    "kernel",  # the admin base's templates and the SQLite folding function; it holds no model
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc assets, served from here (no CDN)
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "localities",
    "programs",
    "tracker",
    "imports",  # spreadsheet import: the engine, the jobs, their pages and tasks
    "api",  # the REST API's tokens, authentication, errors and schema; each app's endpoints are in its api/
    "devdata",  # the national data set for benchmarks (generate_national_data); production code never imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",  # /api/: Accept-Language, which LocaleMiddleware ignores there
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An unprefixed page in the user's remembered language, else the browser's; the switch remembered per user.
    "localities.language.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kernel.history.ChangePathMiddleware",
    # Last, as django-axes asks: refuses logins from a username/address locked out after failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "imports.admin.import_link",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the development server and a loading command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: on the status pages' grouped reads it cost more than it saved (86 ms of a 490 ms
    # query measured on the national data set), and more after a row-count misestimate.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get("NTP_PG_OPTIONS", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A covering index's INCLUDE columns (tracker.CapitalSummary) serve PostgreSQL; SQLite builds the index without
# them, which is all the warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kernel.auth.ModelBackend",  # Django's, with a user's permissions in one query
]

# Login throttling against password guessing (django-axes): 5 failures for a username from an address
# lock that pair out for 15 minutes; a successful login resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("NTP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("NTP_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("NTP_PROXY_COUNT", "0")) or None
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/ntp/lockout.html"

# History is read, never replayed: a revert would bypass the ledger and lock rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "vi")
# The status pages ask whoever is not logged in to log in on the admin's page, then take them back.
LOGIN_URL = "admin:login"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Dates day first in every language, never read month first; the separators of kernel.numbers (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
# Off: grouping every integer would show years as 2.025. Money is grouped where it is shown (format_vnd) and in
# the kernel's form fields.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded spreadsheets are kept under MEDIA_ROOT/imports/ (personal data): nothing serves MEDIA_ROOT; the
# admin sends a file back only to whoever may see its import.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# The cache holds the progress of running imports (imports/tasks.py). Local memory is shared by the threads of
# one process; with Celery workers set CACHE_URL (e.g. redis://127.0.0.1:6379/1) so that the web process sees
# what the workers write.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background imports. With CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) they run on Celery workers
# (`celery -A config worker`); without, in a thread of the web process, for one machine.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # imports are long: a worker takes one at a time
CELERY_TASK_TIME_LIMIT = 4 * 3600  # seconds; a job killed then is rolled back whole, and shows as stopped
# "celery", "thread" or "sync" (in the request itself; the tests use it).
IMPORT_JOBS_RUNNER = os.environ.get("NTP_IMPORT_RUNNER", "celery" if CELERY_BROKER_URL else "thread")
# A million households are about 150 MB of CSV.
IMPORT_UPLOAD_MAX_BYTES = int(os.environ.get("NTP_IMPORT_MAX_MB", "256")) * 1024 * 1024

ADMIN_SITE_HEADER = _("NTP Tracker")
ADMIN_INDEX_TITLE = _("National Target Programs")

# Production hardening: on whenever DEBUG is off (`manage.py check --deploy` passes).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# The REST API (/api/v1/, api/): officials' tokens or the browser's session, nothing anonymous; requests per
# token limited to NTP_API_RATE ("1200/minute"; "off" for none); one error format (api/errors.py).
_API_RATE = os.environ.get("NTP_API_RATE", "1200/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": None if _API_RATE.lower() in {"", "off", "none"} else _API_RATE},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeyCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["api.filtering.FilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NTP Tracker API",
    "DESCRIPTION": (
        "Vietnam's National Target Programs: programs and components, localities of both maps, works, capital "
        "plans, allocations and disbursements, progress, households and support. Authenticate with an "
        "official's token (Authorization: Bearer <key>); every answer is of the official's jurisdiction."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CapitalEntryKindEnum": "programs.choices.CapitalEntryKindChoices",
        "SupportKindEnum": "tracker.choices.SupportKindChoices",
        "WorkStatusEnum": "tracker.choices.WorkStatusChoices",
        "PovertyStatusEnum": "tracker.choices.PovertyStatusChoices",
        "ImportJobStatusEnum": "imports.choices.ImportJobStatusChoices",
    },
}
