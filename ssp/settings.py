"""One settings module for every environment, driven by environment variables.

With nothing set it runs the demo: SQLite, Celery tasks executed in-process, e-mail
printed to the console. Every variable read here is listed in `.env.example`.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import drf_spectacular_sidecar
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from environs import Env
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The published fallback only ever serves the demo (DEBUG on); production refuses it below.
_DEMO_SECRET_KEY = "django-insecure-demo-key-only-for-the-local-demo-never-for-real-use"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _DEMO_SECRET_KEY
if not DEBUG and (
    SECRET_KEY == _DEMO_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure-")
    or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off: set it to a long random "
        "string of 50 characters or more, kept out of the repository "
        '(python -c "import secrets;print(secrets.token_urlsafe(50))"). '
        "The portal will not start on the demo's published key."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # allauth's passkey list loads humanize: without it the Security page's passkeys answer 500.
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "ssp",
    "schools",
    "agreements",
    "incidents",
    "referrals",
    "reports",
    "encompass",
    "api",
    "records",
]

MIDDLEWARE = [
    "ssp.logs.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ssp.middleware.SessionLifetimeMiddleware",
    # A new scope (what the person may reach) for every request: nothing kept on the user.
    "ssp.scope.ScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "ssp.middleware.RequireMFAMiddleware",
    "ssp.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so a view's Http404 reaches it first: the portal's 404 page in the demo too.
    "ssp.not_found.PortalNotFoundMiddleware",
]

ROOT_URLCONF = "ssp.urls"
WSGI_APPLICATION = "ssp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ssp.views.unread_notifications",
                "ssp.views.session_clock_context",
            ],
        },
    },
]
FORM_RENDERER = "ssp.forms.GovukFormRenderer"

DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No parallel workers for the portal's statements. Each page reads a few dozen rows
    # through an index, and where PostgreSQL overestimates the rows behind a partial index
    # (it multiplies its conditions' separate statistics) it started two workers to sort a
    # few hundred: 4 to 5 ms of starting them, more than the read itself. A request
    # served beside others on a few cores has no idle core to give them either.
    # No JIT compilation either, for the same overestimates: a statement estimated past
    # jit_above_cost (the caseload's, counting a few hundred rows it thought were 15,000)
    # spent 130 ms compiling itself to run in 4.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c max_parallel_workers_per_gather=0 -c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
if DEBUG and DATABASES["default"].get("HOST", "") not in _LOCAL_HOSTS:
    # Debug pages show settings, queries and local variables: never over a real database.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is on with a database on another host "
        f"({DATABASES['default']['HOST']}): debug pages would show its data. Turn "
        "DJANGO_DEBUG off, or point DATABASE_URL at a database on this machine."
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's SQLite builds the overview's covering indexes without their extra
    # columns; PostgreSQL, the real database, has them. Nothing to warn a newcomer about.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, and the database's cache table while Redis is down (ssp/cache.py).
            "BACKEND": "ssp.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            # A frozen Redis must not hang a request: fail fast, then use the fallback.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
        "fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ssp_cache_fallback",  # created by migration ssp 0004
            # Culling must not drop lockouts while an outage fills the table.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run eagerly in-process (the demo).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker and beat log through LOGGING below (JSON in production), not their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request publishing to a frozen Redis waits one of these, then leaves the row to the sweep.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULER = "ssp.celery:ScheduleFile"
# The beat schedule lives here, in code (django-celery-beat does not support Django 6.1).
# Rows a request could not hand to the broker wait for the sweep: it runs every few seconds
# so an immediate-risk alert goes out within seconds of Redis returning, not minutes.
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=10)
OUTBOX_SWEEP_EVERY_SECONDS = env.int("OUTBOX_SWEEP_EVERY_SECONDS", default=5)
TRIAGE_REMINDER_HOURS = env.int("TRIAGE_REMINDER_HOURS", default=24)
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "ssp.tasks.sweep_outbox",
        "schedule": float(OUTBOX_SWEEP_EVERY_SECONDS),
        # Sweeps queued while no worker ran are dropped: the next one does their work.
        "options": {"expires": OUTBOX_SWEEP_EVERY_SECONDS},
    },
    "sweep-submissions": {"task": "ssp.tasks.sweep_submissions", "schedule": 3600.0},
    "remind-untriaged-concerns": {
        "task": "incidents.tasks.remind_untriaged_concerns",
        "schedule": 60.0 * 60,
    },
    "remind-follow-ups": {"task": "referrals.tasks.remind_follow_ups_due", "schedule": 3600.0},
    # An Encompass notification unread when the school day starts goes to the head within
    # five minutes; a run missed while no worker ran is dropped (the next does its work).
    "escalate-encompass": {
        "task": "encompass.tasks.escalate_unacknowledged",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "remove-orphan-attachments": {
        "task": "incidents.tasks.remove_orphan_attachments",
        "schedule": 24 * 3600.0,
    },
    "remind-agreement-dates": {
        "task": "agreements.tasks.remind_agreement_dates",
        "schedule": 24 * 3600.0,
    },
    # The overview's earlier months, counted before a sergeant's or head's first page of
    # the month (or after the cache lost them) would count them all.
    "count-overview-months": {
        "task": "reports.tasks.count_overview_months",
        "schedule": crontab(hour=0, minute=20),
        "options": {"expires": 3600 * 6},
    },
    # A set of schools new since the night's count (a team's or a head teacher's schools
    # changed, or changed at midnight by an assignment's dates) is counted within minutes,
    # not by the person who first opens its overview; a run missed is dropped.
    "count-new-overview-scopes": {
        "task": "reports.tasks.count_new_overview_scopes",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
    # Records whose review date has passed go on their owners' review list (records/).
    "retention-review": {
        "task": "records.tasks.retention_sweep",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600 * 12},
    },
}

# Scheduled backups, off unless BACKUP_DIR names a folder the worker can write (the same
# folder `manage.py backup` would be given): one a day at BACKUP_HOUR, London time; backups
# older than BACKUP_KEEP_DAYS are removed after each new one (the newest always stays).
BACKUP_DIR = env.str("BACKUP_DIR", default="")
BACKUP_HOUR = env.int("BACKUP_HOUR", default=2)
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=14)
if BACKUP_DIR:
    CELERY_BEAT_SCHEDULE["scheduled-backup"] = {
        "task": "ssp.tasks.scheduled_backup",
        "schedule": crontab(hour=BACKUP_HOUR, minute=0),
        # A backup beat could not hand over in its hour waits for the next day's.
        "options": {"expires": 3600},
    }

# Accounts: e-mail is the login, nobody signs themselves up, MFA for everyone.
AUTH_USER_MODEL = "ssp.User"
AUTHENTICATION_BACKENDS = ["ssp.backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "ssp.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Invitations prove the first address; a changed address must be proved again.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "SSP Portal: "
# Step-up before exports, PDFs and account changes: only a second factor (the authenticator
# code, a recovery code or a passkey) counts, never the password or an e-mailed code alone.
# It holds for a short window, so printing three things asks once.
ACCOUNT_REAUTHENTICATION_METHODS = ["mfa"]
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_MINUTES", default=10) * 60
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # changing e-mail or password steps up too
MFA_ADAPTER = "ssp.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
MFA_TOTP_TOLERANCE = 0
MFA_TOTP_ISSUER = "SSP Portal"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# A code that passes every TOTP check: the demo's sign-ins use it, nothing else. allauth only
# refuses it when a code is checked (a 500 on every second factor), so refuse to start instead.
MFA_TOTP_INSECURE_BYPASS_CODE = env.str("MFA_TOTP_INSECURE_BYPASS_CODE", default="") or None
if MFA_TOTP_INSECURE_BYPASS_CODE and not DEBUG:
    raise ImproperlyConfigured(
        "MFA_TOTP_INSECURE_BYPASS_CODE is a demo-only bypass of the second factor and is "
        "refused when DJANGO_DEBUG is off: unset it (leave it empty)."
    )


def _encryption_key() -> bytes:
    raw = env.str("MFA_ENCRYPTION_KEY", default="")
    if raw:
        key = base64.urlsafe_b64decode(raw)
        if len(key) != 32:
            raise ValueError("MFA_ENCRYPTION_KEY must be 32 bytes, url-safe base64 encoded")
        return key
    if not DEBUG:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEY is required when DJANGO_DEBUG is off")
    # Demo only: a key derived from the (demo) secret key.
    return hashlib.sha256(b"mfa-encryption:" + SECRET_KEY.encode()).digest()


MFA_ENCRYPTION_KEY = _encryption_key()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour; the token also dies once the password changes

# Sessions: 30 minutes idle, 8 hours at most, stored server-side.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=8))
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
SESSION_SAVE_EVERY_REQUEST = False  # SessionLifetimeMiddleware refreshes it each minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS is the normal case; only the local demo and tests switch it off.
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
if SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = SECURE and env.bool("DJANGO_SSL_REDIRECT", default=True)
# The load balancer probes /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
# How many proxies of our own stand in front of the portal, each appending to
# X-Forwarded-For: the access log takes the client's address from the one they vouch for.
# 0 (the default) ignores the header, which the client can then write as it likes.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# The API (api/): JSON only, a force's machine clients or signed-in sessions, errors as
# problem+json, a rate per client counted in the shared cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ClientAuthentication",
        "api.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_RATE_LIMIT", default="600/minute")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SSP Portal API",
    "DESCRIPTION": (
        "Reads for a force's systems and for signed-in people: the same records, under the "
        "same rules, as the portal's pages. Never a UPN."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from the drf-spectacular-sidecar package, served by the portal: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# static/dist is built from npm packages by `make assets`; node_modules supplies the
# GOV.UK Frontend's fonts, images and JavaScript without copying them into the repo.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("moj", BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj"),
    # Swagger UI for /api/docs/ from drf-spectacular-sidecar; only that folder, not the
    # package's Redoc, which the portal does not serve.
    (
        "drf_spectacular_sidecar/swagger-ui-dist",
        Path(drf_spectacular_sidecar.__file__).parent
        / "static"
        / "drf_spectacular_sidecar"
        / "swagger-ui-dist",
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Source maps are for developers' tools, never sent compressed: building their gzip and
# brotli copies (Swagger UI's are 2.5 MB) only slows collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploads live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
# The GIAS extract of every establishment is about 60 MB; a file past this is refused while
# it is still arriving.
GIAS_MAX_UPLOAD_BYTES = 150 * 1024 * 1024

# Uploads are streamed to clamd before they are stored when this names its socket: a unix
# socket path (/run/clamav/clamd.ctl) or host:port (clamav:3310). Empty: no malware scan.
CLAMD_ADDRESS = env.str("CLAMD_ADDRESS", default="")
# One silent clamd costs one wait, whatever the number of files: keep it well under the web
# server's own timeout (gunicorn: 30 s).
CLAMD_TIMEOUT_SECONDS = env.float("CLAMD_TIMEOUT_SECONDS", default=10.0)

# Production sends mail over SMTP (EMAIL_HOST...); the demo prints it to the console.
_MAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_MAIL_OPTIONS = (
    {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": 10,
    }
    if _MAIL_BACKEND.endswith("smtp.EmailBackend")
    else {}
)
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SSP Portal <no-reply@localhost>")
# Where the accessibility statement asks people to report a problem or ask for another format.
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibility@localhost"
)

# One JSON object per line on stdout in production (LOG_FORMAT=json), plain text in the demo.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "ssp.logs.RequestContext"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
