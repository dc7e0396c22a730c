"""The one settings module. Every deployment value comes from the environment (config/env.py).

Secure by default: DEBUG is off and there is no default secret. ``make run`` writes throw-away
development values into the git-ignored ``.env.local``, which is read here only if it exists.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import envbool, envint, envlist, envsecret, envstr, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
if not envbool("SSPF_IGNORE_ENV_FILE", False):
    load_env_file(BASE_DIR / ".env.local")

DEBUG = envbool("DEBUG", False)
TESTING = "pytest" in sys.modules or envbool("SSPF_TESTING", False)

SECRET_KEY = envsecret("SECRET_KEY") or ""
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set (make run writes a development one to .env.local).")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    # The project's apps, lowest layer first (docs/architecture.md; tests/architecture/test_layers.py).
    "cases",
    "audit",
    "accounts",
    "consent",
    "referrals",
    "oversight",
    "api",
    "web",
    "administration",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.SessionActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.WebSessionMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.db_unavailable.DatabaseUnavailableMiddleware",  # last: sees a view's error first
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Django's documented way to override the admin's own templates by name (its base_site.html,
        # in the web UI's colours): a directory searched before the apps'. Only the admin's there.
        "DIRS": [BASE_DIR / "administration" / "admin_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.web",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI (DATABASE_URL), SQLite for the quick start.
# Connections stay open between requests: reconnecting per request cost ~8x throughput here.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # one transaction per request: nothing half-written
# Behind PgBouncer in transaction mode (docs/operations.md#connection-pooling; make drill-pooler):
# a transaction may run on another server connection than the last, so nothing may outlive one.
# psycopg prepares a statement server side after five uses, and Django streams a queryset outside a
# transaction with a WITH HOLD cursor (the CSV export): both off.
DATABASE_POOLER = envstr("DATABASE_POOLER") or ""
if DATABASE_POOLER not in ("", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER is empty (no pooler, or session pooling) or 'transaction'.")
if DATABASE_POOLER == "transaction":
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "prepare_threshold": None}
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
# A streaming replica for auditors' searches, statistics and reports (cases/routing.py;
# docs/operations.md#a-read-replica; make replica starts one of the local PostgreSQL). Under the
# test suite it mirrors the test database's name and routing is off unless a test switches it on.
DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL") or ""
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 600, minimum=0), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASE_POOLER == "transaction":
        DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), "prepare_threshold": None}
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
REPLICA_READS = bool(DATABASE_REPLICA_URL) and not TESTING
DATABASE_ROUTERS = ["cases.routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out attempts before any password check
    "guardian.backends.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    # Password hashing is not what the tests test; the real hasher costs seconds per login.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = envstr("LANGUAGE_CODE", "sv") or "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves the API docs page's own assets (no CDN) from the installed apps, also under
# gunicorn; there is nothing to collect.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Requests: bodies over 1 MiB are refused with 413 (api/parsers.py, api/errors.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# Uploads (the consent scan) stay in memory, capped, never in a temporary file (consent/uploads.py).
FILE_UPLOAD_HANDLERS = ["consent.uploads.CappedMemoryUploadHandler"]

# HTTPS and cookies. Production sits behind a TLS proxy that sets X-Forwarded-Proto.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# same-origin: a page's address (a case id) never goes to another site, and the browser's form
# posts keep their Origin, which Django's CSRF check needs (no-referrer made Chromium send "null").
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Browser sessions (the web UI and the admin; the API uses bearer tokens only): idle after
# TOKEN_IDLE_MINUTES, since every request saves the session and so moves its expiry on; ended after
# TOKEN_ABSOLUTE_HOURS whatever the use (web.middleware). The same limits as the API's tokens.
SESSION_COOKIE_AGE = envint("TOKEN_IDLE_MINUTES", 15, minimum=1) * 60
# Django's database sessions, with each row's key stored as a hash of the cookie's (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LOGIN_URL = "web:login"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# Addresses of reverse proxies whose X-Forwarded-For may be believed (audit/context.py).
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", [])

# Field encryption (cases/crypto.py) and the blind index. Validated by system checks and at
# server start: a missing or malformed key stops the service instead of serving garbage.
FIELD_ENCRYPTION_KEYS = envsecret("FIELD_ENCRYPTION_KEYS") or ""
BLIND_INDEX_KEY = envsecret("BLIND_INDEX_KEY") or ""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SizeLimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_RATES": {},
}

# Bearer tokens (django-rest-knox): stored as SHA-512 digests; idle expiry slides with use,
# capped by the absolute lifetime.
TOKEN_IDLE_MINUTES = envint("TOKEN_IDLE_MINUTES", 15, minimum=1)
TOKEN_ABSOLUTE_HOURS = envint("TOKEN_ABSOLUTE_HOURS", 12, minimum=1)
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": timedelta(minutes=TOKEN_IDLE_MINUTES),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(hours=TOKEN_ABSOLUTE_HOURS),
    "MIN_REFRESH_INTERVAL": 60,
    "TOKEN_LIMIT_PER_USER": None,
}

# Login throttling (django-axes): per username and client address together, so an attacker
# cannot lock a colleague out from elsewhere. Answered with 429.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# axes keeps a failed attempt's form (shown in the admin): every secret field of every sign-in form
# is masked, or an enrolment code typed with a wrong password would wait there for the
# administrator who set that password (tests/administration/test_admin_holds_no_secret.py).
# The tried username too (kept as a hash when no account has it: config.lockout.axes_username),
# and the address a signed-out visitor was sent on from (`next`: a case id or an auditor's search).
AXES_USERNAME_CALLABLE = "config.lockout.axes_username"
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "next",
    "password",
    "otp",
    "otp_token",
    "enrolment_code",
    "new_password",
    "new_password_again",
    "old_password",
    "new_password1",
    "new_password2",
]
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"

OTP_TOTP_ISSUER = "SSPF"

# Content Security Policy (django-csp 4): nothing inline, nothing from elsewhere, never framed.
# The API's documentation pages (Swagger UI, ReDoc) run inline scripts of their own and are
# left out; they hold no case data.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/api/redoc/"],
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
OTP_TOTP_THROTTLE_FACTOR = 1

# django-guardian: no anonymous user object, object permissions only through our own models.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False
GUARDIAN_RAISE_403 = False

# django-auditlog: custom entry model (audit/models.py); models are registered by the audit issue.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
# auditlog's own migrations create its default table even when the model is swapped out (they
# predate swapping); without migrations Django skips the swapped model, so no orphan table exists.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_INCLUDE_ALL_MODELS = False

SPECTACULAR_SETTINGS = {
    "TITLE": "SSPF case coordination API",
    "DESCRIPTION": "Confidential case coordination for SSPF teams and Linköpingsmodellen home visits.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # The shared error schema on every operation, for every status it can answer (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
        "api.schema.document_rules",
        "api.schema.document_examples",
    ],
    # One name per choice set that several components share (agency kinds; the kinds a
    # statutory disclosure may go to).
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "cases.models.AgencyKind",
        "MeetingKindEnum": "cases.models.MeetingKind",
        "CaseOutcomeEnum": "cases.models.CaseOutcome",
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "DisclosureAgencyEnum": [("police", "police"), ("school", "school"), ("leisure", "leisure")],
        "FindingKindEnum": "oversight.anomalies.KINDS",
    },
}

# Domain rules that municipalities set differently (docs/api.md).
CASE_NUMBER_PREFIXES = {"sspf": "SSPF", "linkoping": "LKP"}
SSPF_AGE_MIN = envint("SSPF_AGE_MIN", 6, minimum=0)
SSPF_AGE_MAX = envint("SSPF_AGE_MAX", 21, minimum=0)
LINKOPING_AGE_MIN = envint("LINKOPING_AGE_MIN", 15, minimum=0)
LINKOPING_AGE_MAX = envint("LINKOPING_AGE_MAX", 17, minimum=0)
# Four eyes on closing: only a coordinator closes at once; anyone else's closure waits for another
# coordinator's approval (docs/process.md). Off: whoever may close, closes.
CASE_CLOSURE_NEEDS_APPROVAL = envbool("CASE_CLOSURE_NEEDS_APPROVAL", True)

# Logging: never request bodies; the correlation id ties a line to its audit entries.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

PORT = envint("PORT", 8000, minimum=1)
os.environ.setdefault("PORT", str(PORT))

# Consent (consent/policy.py; docs/access-control.md). Ages are completed years on the day asked.
CONSENT_YOUTH_AGE = envint("CONSENT_YOUTH_AGE", 15, minimum=0)  # from this age the youth must consent too
CONSENT_ADULT_AGE = envint("CONSENT_ADULT_AGE", 18, minimum=1)  # from this age only the youth's consent counts
CONSENT_MAX_MONTHS = envint("CONSENT_MAX_MONTHS", 12, minimum=1)
# Categories a consent shares only once its signed form is uploaded and verified by a second
# social-services member (JO: written consent where the data are sensitive; consent/evidence.py).
CONSENT_EVIDENCE_REQUIRED_FOR = frozenset(envlist("CONSENT_EVIDENCE_REQUIRED_FOR", ["notes", "visits"]))
if not CONSENT_EVIDENCE_REQUIRED_FOR <= {"identity", "meetings", "visits", "notes"}:  # a typo must not require nothing
    raise ImproperlyConfigured(
        "CONSENT_EVIDENCE_REQUIRED_FOR: use identity, meetings, visits and notes, comma-separated "
        f"(got {sorted(CONSENT_EVIDENCE_REQUIRED_FOR)})."
    )
CONSENT_EVIDENCE_MAX_BYTES = envint("CONSENT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
EMERGENCY_ACCESS_MINUTES = envint("EMERGENCY_ACCESS_MINUTES", 60, minimum=1)
# An account younger than this opens emergency access only after a coordinator of its agency
# approved it (accounts.services.require_emergency_allowed; docs/decisions/0014).
EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS = envint("EMERGENCY_ACCESS_NEW_ACCOUNT_DAYS", 30, minimum=0)
# How long a one-time enrolment code (for the user's own authenticator) stays usable.
ENROLMENT_CODE_HOURS = envint("ENROLMENT_CODE_HOURS", 72, minimum=1)

# Reminders (oversight/reminders.py; docs/process.md): how far ahead consents ending and birthdays
# that change whose consent counts are shown; when an undecided referral is due (SoL 11 kap. 1 a §:
# the initial assessment within 14 days; an urgent one at once); how often the log check is due
# (monthly, Tibro's routine in LAW.md); the address the reminder mail links to.
REMINDER_DAYS = envint("REMINDER_DAYS", 30, minimum=1)
REFERRAL_DECISION_DAYS = envint("REFERRAL_DECISION_DAYS", 14, minimum=0)
LOG_CHECK_INTERVAL_DAYS = envint("LOG_CHECK_INTERVAL_DAYS", 31, minimum=1)
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "sspf@localhost") or "sspf@localhost"
EMAIL_BACKEND = envstr("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)


class DisclosureProvision(TypedDict):
    """One entry of DISCLOSURE_PROVISIONS, as consent/disclosures.py reads it."""

    label: str
    agencies: list[str]  # the agency kinds it allows disclosure to
    max_age: int | None  # it applies only to a person under this age
    conditions: list[str]  # each must be confirmed by whoever discloses


# Secrecy-breaking provisions social services may disclose under (OSL; LAW.md). Configuration, not
# code: a municipality's lawyers, or a new law (SOU 2024:87), add or change entries here.
DISCLOSURE_PROVISIONS: dict[str, DisclosureProvision] = {
    "osl-10-18a": {
        "label": "OSL 10 kap. 18 a §",
        "agencies": ["police"],
        "max_age": 21,
        "conditions": ["likely_criminal_activity", "helps_prevent", "not_unsuitable"],
    },
    "osl-10-18c": {
        "label": "OSL 10 kap. 18 c §",
        "agencies": ["police"],
        "max_age": None,
        "conditions": ["prevents_serious_violence_against_relative"],
    },
    "osl-10-27": {
        "label": "OSL 10 kap. 27 §",
        "agencies": ["police", "school", "leisure"],
        "max_age": None,
        "conditions": ["interest_of_disclosure_outweighs_secrecy"],
    },
}

# Log review (oversight/anomalies.py): office hours (local time, weekdays) and how many different
# cases one person may open in a day before it is flagged.
AUDIT_OFFICE_HOURS = (envint("AUDIT_OFFICE_HOURS_START", 7, minimum=0), envint("AUDIT_OFFICE_HOURS_END", 18, minimum=1))
try:
    AUDIT_OFFICE_WEEKDAYS = [
        int(day) for day in envlist("AUDIT_OFFICE_WEEKDAYS", ["0", "1", "2", "3", "4"])
    ]  # Monday=0
except ValueError:
    raise ImproperlyConfigured("AUDIT_OFFICE_WEEKDAYS must be a comma-separated list of weekdays, Monday=0.") from None
AUDIT_DAILY_CASE_LIMIT = envint("AUDIT_DAILY_CASE_LIMIT", 20, minimum=1)
# /healthz says "behind" when an audit entry has waited longer than this for the sealer (seconds).
AUDIT_SEAL_MAX_AGE = envint("AUDIT_SEAL_MAX_AGE", 5, minimum=1)
# The longest period one log check or anomaly search covers (issue 15: it answers within seconds).
AUDIT_REVIEW_MAX_DAYS = envint("AUDIT_REVIEW_MAX_DAYS", 93, minimum=1)
# The findings of each kind one log check takes (the first of the period); past it the check says
# which kinds hold more (the anomalies page lists them all): a flood of denied requests must not
# make the monthly check unanswerable (docs/audit.md#log-checks).
AUDIT_REVIEW_FINDINGS_PER_KIND = envint("AUDIT_REVIEW_FINDINGS_PER_KIND", 1000, minimum=1)

# Audit retention (audit/log_retention.py): entries older than this may be removed by the signed
# retention path; the key signs its records (base64, 32 bytes or more).
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 10 * 365, minimum=365)
AUDIT_SIGNING_KEY = envsecret("AUDIT_SIGNING_KEY") or ""
# The audit log's month partitions (PostgreSQL; audit/partitions.py): created this many months
# ahead by every migrate and by audit_partitions, so the default partition stays empty.
AUDIT_PARTITIONS_AHEAD = envint("AUDIT_PARTITIONS_AHEAD", 3, minimum=1)

# Retention (gallring) of closed cases (oversight/purge.py; docs/retention.md). Years from the
# case's last entry per track; optionally years from the youth's birth that a file is kept at
# least (0: no such rule; prop. 2025/26:12 proposes 30 for some child files); and the birth days
# whose files are kept for research (socialtjänstförordningen 7 kap. 2 §). Settings, because the
# law changes (SoL 2025:400) and municipalities decide.
CASE_RETENTION_YEARS = {
    "sspf": envint("RETENTION_YEARS_SSPF", 5, minimum=1),
    "linkoping": envint("RETENTION_YEARS_LINKOPING", 5, minimum=1),
}
# A referral that opened no case is kept this many years after its decision (one that opened a
# case goes with the case); an undecided referral is never purged.
REFERRAL_RETENTION_YEARS = envint("RETENTION_YEARS_REFERRAL", 5, minimum=1)
CASE_RETENTION_YEARS_FROM_BIRTH = {
    "sspf": envint("RETENTION_YEARS_FROM_BIRTH_SSPF", 0, minimum=0),
    "linkoping": envint("RETENTION_YEARS_FROM_BIRTH_LINKOPING", 0, minimum=0),
}
try:
    RETENTION_KEEP_BIRTH_DAYS = [int(day) for day in envlist("RETENTION_KEEP_BIRTH_DAYS", ["5", "15", "25"])]
except ValueError:
    raise ImproperlyConfigured("RETENTION_KEEP_BIRTH_DAYS must be a comma-separated list of days (1-31).") from None
if any(not 1 <= day <= 31 for day in RETENTION_KEEP_BIRTH_DAYS):
    raise ImproperlyConfigured("RETENTION_KEEP_BIRTH_DAYS must be a comma-separated list of days (1-31).")
