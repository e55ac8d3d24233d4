"""Django settings, read from TANDEM_* environment variables only.

Nothing here is meant to be edited per installation: every knob an operator
needs is an environment variable, documented in the README.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"TANDEM_{name}", default)


def env_flag(name: str, default: bool = False) -> bool:
    raw = env(name, "1" if default else "0").strip().lower()
    return raw in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError as error:
        raise RuntimeError(f"TANDEM_{name} must be an integer, got {raw!r}") from error


TANDEM_HOME = Path(env("HOME", "var")).resolve()
TANDEM_HOME.mkdir(parents=True, exist_ok=True)
TANDEM_PORT = env_int("PORT", 8000)
# Threads that run HTTP requests in each web process; a slow request holds only one.
HTTP_THREADS = env_int("HTTP_THREADS", 16)
# `tandem serve` web processes; more than one needs TANDEM_REDIS_URL (the channel layer).
WEB_PROCESSES = env_int("WEB_PROCESSES", 1)


def _secret_key() -> str:
    """The configured key, or one generated once into $TANDEM_HOME so sessions survive restarts."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    key_file = TANDEM_HOME / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
BASE_URL = env("BASE_URL", f"http://127.0.0.1:{TANDEM_PORT}").rstrip("/")
DEMO = env_flag("DEMO", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "tandem.core",
    "tandem.people",
    "tandem.tickets",
    "tandem.mail",
    "tandem.kb",
    "tandem.workflow",
    "tandem.portal",
    "tandem.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tandem.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tandem.urls"
ASGI_APPLICATION = "tandem.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.core.context_processors.desk",
            ],
        },
    },
]

# --- database -------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI every request runs in a fresh context, so persistent connections
    # (CONN_MAX_AGE) would leak one connection per request; Django's pool reuses them.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 20),
            "timeout": 20,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "tandem.core.db.sqlite",
            "NAME": TANDEM_HOME / "tandem.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; the busy timeout
                # makes a second writer wait instead of failing at once.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32000; PRAGMA mmap_size=268435456;"
                ),
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis, jobs, channels, cache ----------------------------------------

REDIS_URL = env("REDIS_URL")
HUEY_IMMEDIATE = env_flag("JOBS_IMMEDIATE")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "tandem",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tandem",
        "filename": str(TANDEM_HOME / "jobs.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth, sessions, security --------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["tandem.core.auth.AgentAwareBackend"]
# Sessions are read from the cache and written through to the database: no query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "tickets:inbox"
LOGOUT_REDIRECT_URL = "core:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_flag("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- files ----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = TANDEM_HOME / "static"
MEDIA_ROOT = TANDEM_HOME / "media"
MEDIA_URL = "/media-not-served/"  # attachments go through a permission-checking view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 25) * 1024 * 1024
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- mail -----------------------------------------------------------------

EMAIL_URL = env("EMAIL_URL")
SMTP_LISTEN = env("SMTP_LISTEN", "127.0.0.1:2525")
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "Tandem Desk <desk@tandem.localhost>")
if EMAIL_URL:
    _mail = urlparse(EMAIL_URL)
    _query = dict(parse_qsl(_mail.query))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "127.0.0.1"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _query.get("tls") == "1"
    EMAIL_USE_SSL = _query.get("ssl") == "1"
else:
    EMAIL_BACKEND = "tandem.mail.outbox.file_backend.EmlFileBackend"
    EMAIL_FILE_PATH = TANDEM_HOME / "mail" / "sent"

# --- i18n -----------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- portal ---------------------------------------------------------------

DESK_NAME = env("DESK_NAME", "Tandem")
PORTAL_LINK_MAX_AGE_MINUTES = env_int("PORTAL_LINK_MINUTES", 30)
PORTAL_SESSION_DAYS = env_int("PORTAL_SESSION_DAYS", 14)
PORTAL_MAIL_RATE_LIMIT = env_int("PORTAL_MAIL_RATE_LIMIT", 5)
PORTAL_MAIL_RATE_WINDOW_MINUTES = env_int("PORTAL_MAIL_RATE_WINDOW_MINUTES", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
