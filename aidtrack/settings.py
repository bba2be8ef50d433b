"""AidTrack settings: one module, configured from the environment.

AIDTRACK_ENV selects the defaults: ``development`` (the default, so a newcomer
needs to set nothing), ``test`` (chosen automatically under pytest) and
``production`` (set by the Dockerfile; safe defaults, SECRET_KEY required).
Every variable is documented in README.md.
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from aidtrack.env import (
    env_bool,
    env_int,
    env_list,
    env_rate,
    env_secret_key,
    env_str,
    env_time,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AIDTRACK_VAR_DIR", str(BASE_DIR / "var")))

# pytest imports settings after itself, so its presence is a reliable signal
# that this process is the test suite.
AIDTRACK_ENV = env_str("AIDTRACK_ENV") or ("test" if "pytest" in sys.modules else "development")
if AIDTRACK_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"AIDTRACK_ENV must be development, test or production, got {AIDTRACK_ENV!r}"
    )
PRODUCTION = AIDTRACK_ENV == "production"
TESTING = AIDTRACK_ENV == "test"

DEBUG = env_bool("DEBUG", default=AIDTRACK_ENV == "development")
# Display and scheduling time zone; stored timestamps are UTC.
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")

if PRODUCTION:
    SECRET_KEY = env_secret_key("SECRET_KEY")
else:
    SECRET_KEY = env_str("SECRET_KEY") or f"insecure-{AIDTRACK_ENV}-key-never-use-in-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Operator classes in index expressions (aidtrack.core.indexes.trigram_index).
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "aidtrack.core",
    "accounts",
    "pairings",
    "cadres",
    "projects",
    "funds",
    "assessments",
    "publishing",
]

MIDDLEWARE = [
    "aidtrack.core.middleware.RequestIdMiddleware",
    "aidtrack.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "aidtrack.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aidtrack.core.middleware.SlidingSessionMiddleware",
    "aidtrack.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Our 404 page with DEBUG on too (Django's lists every URL to a newcomer).
    "aidtrack.core.views_errors.OwnNotFoundPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aidtrack.core.middleware.AuditContextMiddleware",
    "aidtrack.core.throttling.RateLimitHeadersMiddleware",
    # Turns a refused sign-in into the lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the views' exceptions first: a lost database is a 503.
    "aidtrack.core.middleware.DatabaseUnavailableMiddleware",
]

# Widgets render through TEMPLATES, so our templates/ can hold widget templates;
# Django's own select and input templates are built in Python (core.widget_html).
FORM_RENDERER = "aidtrack.core.widget_html.WidgetRenderer"
ROOT_URLCONF = "aidtrack.urls"
WSGI_APPLICATION = "aidtrack.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aidtrack.core.navigation.navigation",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# PostgreSQL always: DATABASE_URL when given, otherwise the embedded server.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASE_SOURCE = "external"
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
else:
    from aidtrack.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR / "pgdata")
    DATABASE_SOURCE = "embedded"

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    raise ImproperlyConfigured("AidTrack runs on PostgreSQL only; DATABASE_URL must be postgres://")

# A read replica (PostgreSQL streaming replication): safe requests read from it,
# everything else uses the primary (aidtrack.core.replica). Unset: one database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL") or None
# How long a client that wrote keeps reading from the primary (read-your-writes);
# above the replica's worst lag.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # Tests run against the primary's test database, under the same alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["aidtrack.core.replica.ReplicaRouter"]
    # Early: the session and user look-ups of a safe request read from the replica too.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("aidtrack.core.middleware.HealthCheckMiddleware") + 1,
        "aidtrack.core.replica.ReplicaMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker and result backend ----------------------
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
REDIS_URL = env_str("REDIS_URL") or None
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Tests share the server with development; a prefix keeps them apart.
            "KEY_PREFIX": f"aidtrack-{AIDTRACK_ENV}",
            # Redis down: reads miss and writes are dropped (logged), so every page
            # that does not need Redis keeps working from PostgreSQL.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions: in production in Redis, so no web process keeps them and the
# primary is not written when one is renewed (SlidingSessionMiddleware); in
# PostgreSQL in development and tests. SESSION_STORE chooses explicitly.
SESSION_STORE = env_str("SESSION_STORE", "cache" if PRODUCTION else "db")
if SESSION_STORE not in ("cache", "db"):
    raise ImproperlyConfigured(f"SESSION_STORE must be cache or db, got {SESSION_STORE!r}")
if SESSION_STORE == "cache":
    if not REDIS_URL:
        raise ImproperlyConfigured("SESSION_STORE=cache needs REDIS_URL")
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
    # SESSION_REDIS_URL: best another Redis database than the cache's, so that
    # clearing the cache signs nobody out. Errors are ignored (logged): with
    # Redis down a request finds no session and is asked to sign in, and a
    # write that committed is never turned into a 500 by the session save
    # that follows it in the response (a client would retry it).
    CACHES["sessions"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env_str("SESSION_REDIS_URL") or REDIS_URL,
        "KEY_PREFIX": f"aidtrack-{AIDTRACK_ENV}-session",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2, "IGNORE_EXCEPTIONS": True},
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis there is no worker: tasks run in-process. As with a worker, a
# failing task does not fail the request that queued it (it is logged and
# retried; result.get() raises), and retries behave as they do on a worker.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that hangs is stopped (soft: an exception it may clean up after).
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
# A message whose worker died unacknowledged comes back after this long
# (Redis's default is an hour); tasks are idempotent, so a second run is safe.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", f"aidtrack-{AIDTRACK_ENV}")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Every pairing × the recent years, recomputed from the records each night,
    # whatever the change signals missed (assessments.tasks).
    "assessments-nightly-refresh": {
        "task": "assessments.tasks.refresh_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Refresh requests whose queued run was lost (broker down at the commit).
    "assessments-pending-refresh": {
        "task": "assessments.tasks.refresh_pending",
        "schedule": 60.0,
    },
    # Change-feed entries past their retention (CHANGE_FEED_RETENTION_DAYS).
    "change-feed-prune": {
        "task": "aidtrack.core.tasks.feed_prune",
        "schedule": crontab(hour=3, minute=30),
    },
    # Notification emails not sent yet (mail server or broker down).
    "notification-emails": {
        "task": "accounts.tasks.notification_emails_send",
        "schedule": 60.0,
    },
    # Import jobs queued while the broker was down, or whose worker died.
    "imports-resume": {
        "task": "aidtrack.core.tasks.imports_resume",
        "schedule": 60.0,
    },
    # API Idempotency-Key records older than IDEMPOTENCY_KEY_TTL (core.idempotency).
    "idempotency-keys-prune": {
        "task": "aidtrack.core.tasks.idempotency_keys_prune",
        "schedule": crontab(minute=17),
    },
}

# --- Authentication and sessions -----------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing dominates test time otherwise; production keeps PBKDF2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sign-in brakes (django-axes): AxesStandaloneBackend refuses a password check
# for an account or an address with LOGIN_FAILURE_LIMIT failures in the last
# LOGIN_LOCKOUT_MINUTES, even a right one; the others authenticate. Only
# ``authenticate()`` goes through it: API tokens, sessions and the test
# client's force_login never do. Attempts live in PostgreSQL (the database
# handler), so the brake holds while Redis is down.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ScopeLoadingBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
# Either one: ten failures on one account (password guessing) or from one
# address (one password tried on many accounts).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A refused attempt during the lockout does not prolong it: the owner who
# keeps trying is let in when the window they were told about has passed.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Success clears the account's own failures (accounts.apps), not the
# address's: axes' AXES_RESET_ON_SUCCESS would let anyone with one valid
# account wipe the failures their address ran up against other accounts.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
# The same address as the API brakes (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "aidtrack.core.throttling.client_address"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Idle timeout: a session expires after SESSION_IDLE_MINUTES without a
# request; it is renewed at most once a minute (SlidingSessionMiddleware),
# not saved on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 120) * 60
SESSION_RENEW_SECONDS = 60
# An API token's last use is recorded at most this often (accounts.authentication):
# recording every use would turn each read into a write.
API_TOKEN_USE_RESOLUTION_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)

# --- Security (strict in production; each can be relaxed explicitly) -----
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (aidtrack.core.middleware.SecurityHeadersMiddleware),
# in the shape of Django 6.0's setting of the same name. Scripts and styles
# come only from our own static files (ours under static/, the vendor ones
# collected from npm): no inline <script>, handler or style="…" is run, so an
# injected one is inert. ECharts and Bootstrap set element.style from their
# files, which a CSP allows; data: images are Bootstrap's CSS icons.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
# Browser features no page uses are switched off for every frame. Photos of
# project progress are chosen with a plain file input, which the phone opens
# with its own camera app: that needs no camera permission, so camera=() too.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
BEHIND_PROXY = env_bool("USE_X_FORWARDED_PROTO", PRODUCTION)
if BEHIND_PROXY:
    # Behind the reverse proxy of docker-compose / the intranet gateway.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append the caller's address to X-Forwarded-For.
# The sign-in and API brakes count by address (aidtrack.core.throttling.
# client_address): behind a proxy every caller would otherwise share its
# address, and one caller's failures would lock everyone out. With 0 only
# REMOTE_ADDR counts, since a caller can write any X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)

# --- Internationalisation: Chinese first ----------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["aidtrack.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files: our own under static/, vendor files collected from npm --
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", VAR_DIR / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files: stored here, never served from MEDIA_URL; the scoped download
# pages and API actions hand them out (aidtrack.core.files).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- Spreadsheet import (aidtrack.core.imports) -------------------------------
# The largest file an import opens, and the most data rows one sheet may hold:
# a file over either is refused, and nothing of it is written.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)

# --- Email (reminders); console in development -----------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Seconds before a mail server that does not answer counts as down (the email
# stays due and the minutely sweep tries again).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "aidtrack@localhost")
# Notifications (check-in reminders, leave decisions) also go by email to users
# with an address; links in them start with SITE_URL (e.g. https://aidtrack.example.cn).
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", True)
SITE_URL = env_str("SITE_URL", "")

# Who publishes the IATI activity files (publishing, docs/iati.md): an IATI organisation
# identifier (<registration agency>-<id>), its name and OrganisationType. XI-IATI is
# IATI's own agency for publishers without another registration; set the real ones.
IATI_REPORTING_ORG_REF = env_str("IATI_REPORTING_ORG_REF", "XI-IATI-AIDTRACK")
IATI_REPORTING_ORG_NAME = env_str("IATI_REPORTING_ORG_NAME", "东西部协作和对口支援 AidTrack")
IATI_REPORTING_ORG_TYPE = env_str("IATI_REPORTING_ORG_TYPE", "10")

# --- Daily check-ins (两安两好): reminders for whoever has not checked in -----
# Local times (TIME_ZONE) at which Celery beat reminds, "HH:MM".
CHECKIN_REMINDER_MORNING = env_time("CHECKIN_REMINDER_MORNING", "09:30")
CHECKIN_REMINDER_EVENING = env_time("CHECKIN_REMINDER_EVENING", "21:30")
CELERY_BEAT_SCHEDULE.update(
    {
        f"checkin-reminders-{slot}": {
            "task": "cadres.tasks.checkin_reminders",
            "schedule": crontab(hour=at[0], minute=at[1]),
            "args": (slot,),
        }
        for slot, at in (
            ("morning", CHECKIN_REMINDER_MORNING),
            ("evening", CHECKIN_REMINDER_EVENING),
        )
    }
)

# --- REST API ---------------------------------------------------------------
API_MAX_PAGE_SIZE = 500
# Refuse (428) a PUT/PATCH/DELETE or record action sent without If-Match (core.versions).
API_REQUIRE_IF_MATCH = env_bool("API_REQUIRE_IF_MATCH", False)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aidtrack.core.api_defaults.ScopedModelPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "aidtrack.core.api_defaults.FilterSetBackend",
        "aidtrack.core.api_defaults.UpdatedSinceFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "aidtrack.core.api_defaults.CappedCursorPagination",
    # The contract's (core.schema), plus ``fields`` and views' extra_query_params (core.params).
    "DEFAULT_SCHEMA_CLASS": "aidtrack.core.params.ParameterSchema",
    # Bodies are JSON; viewsets taking a file add multipart (core.api).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "aidtrack.core.api_defaults.json_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["aidtrack.core.api_defaults.FastJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_CLASSES": ["aidtrack.core.throttling.ApiRateThrottle"],
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
# Requests per API token (a browser session: per user), and requests that fail
# to authenticate per address (aidtrack.core.throttling). "N/s|min|hour|day";
# "off" disables one. The suite runs with them off; its throttle tests set them.
API_THROTTLE_RATES = {
    "api": env_rate("API_THROTTLE_RATE", None if TESTING else "120/min"),
    "api_anon": env_rate("API_THROTTLE_ANON_RATE", None if TESTING else "30/min"),
}
# Whole ID numbers and phones one user may reveal per hour (page and API together).
REVEALS_PER_HOUR = env_int("REVEALS_PER_HOUR", 20)
# How long the change feed keeps its entries; an older cursor answers 410 (docs/api.md).
CHANGE_FEED_RETENTION_DAYS = env_int("CHANGE_FEED_RETENTION_DAYS", 90)

# Hours an API POST's Idempotency-Key replays its first response (core.idempotency).
IDEMPOTENCY_KEY_TTL = env_int("IDEMPOTENCY_KEY_TTL", 24)

SPECTACULAR_SETTINGS = {
    "TITLE": "AidTrack API",
    "DESCRIPTION": (
        "Pairings, cadres, projects, funds and assessments of East–West cooperation "
        "and counterpart support. Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The contract (aidtrack/core/schema.py): rendered in English, request and response
    # components apart (read-only fields are no inputs), every error status documented.
    "DEFAULT_GENERATOR_CLASS": "aidtrack.core.schema.SchemaGenerator",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: a nullable reference is ``oneOf: [ref, null]``; 3.0's ``nullable`` beside an
    # ``allOf`` still refuses null under a strict validator.
    "OAS_VERSION": "3.1.0",
    # The feature hooks add their headers and statuses; document_errors comes last:
    # it defines Error, fills in the standard statuses and writes nullables as 3.1.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aidtrack.core.idempotency.schema_hook",
        "aidtrack.core.versions.document_conditional_requests",
        "aidtrack.core.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "pairings.choices.RegionLevel",
        "PairingLevelEnum": "pairings.choices.PairingLevel",
        "PairingStatusEnum": "pairings.choices.PairingStatus",
        "OrganizationKindEnum": "pairings.choices.OrganizationKind",
        "DeploymentKindEnum": "cadres.choices.DeploymentKind",
        "DeploymentStatusEnum": "cadres.choices.DeploymentStatus",
        "GradeLevelEnum": "assessments.choices.GradeLevel",
        "TeamKindEnum": "cadres.choices.TeamKind",
        "TeamRoleEnum": "cadres.choices.TeamRole",
        "CheckInStateEnum": "cadres.choices.CheckInState",
        "CheckInSlotEnum": "cadres.choices.CheckInSlot",
        "LeaveStatusEnum": "cadres.choices.LeaveStatus",
        "AwardLevelEnum": "cadres.choices.AwardLevel",
        "CareKindEnum": "cadres.choices.CareKind",
        "ProjectStatusEnum": "projects.choices.ProjectStatus",
        "ProjectCategoryEnum": "projects.choices.ProjectCategory",
        "IndicatorCategoryEnum": "projects.choices.IndicatorCategory",
        "ReportStatusEnum": "projects.choices.ReportStatus",
        "NeedStatusEnum": "projects.choices.NeedStatus",
        "NeedCategoryEnum": "projects.choices.NeedCategory",
        "SourceLevelEnum": "funds.choices.SourceLevel",
        "FundTransactionKindEnum": "funds.choices.TransactionKind",
        "DonationKindEnum": "funds.choices.DonationKind",
        "ParkKindEnum": "funds.choices.ParkKind",
        "ConsumptionSupportKindEnum": "funds.choices.ConsumptionKind",
    },
}

# --- Logging: one JSON object per line, each with the request id ----------
LOG_LEVEL = env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "aidtrack.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "aidtrack.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env_str("LOG_FORMAT", "json" if PRODUCTION else "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log replaces Django's per-request lines.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # pgserver narrates every attach and detach of the embedded server.
        "pgserver": {"level": "WARNING"},
    },
}
