"""Settings, driven by environment variables.

With no variable set the site runs on the embedded default (DESIGN.md section 3):
SQLite, local-memory cache, in-memory channel layer, the task queue in the
database. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0 and
ALLOWED_HOSTS.
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp import constants as csp
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


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Only for the embedded default on a developer's machine.
    SECRET_KEY = "dev-insecure-0f6c1b9e2d7a4f3c8b5e1a9d7c3f2e6b4a8d0c1e9f7b5a3"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "graphene_django",
    "django_tasks",
    "django_tasks_db",
    "yiban_core",
    "yiban_core.accounts",
    "yiban_core.groups",
    "yiban_core.notifications",
    "yiban_core.credits",
    "yiban_core.search",
    "yiban_core.moderation",
    "yiban_core.audit",
    "yiban_core.sso",
    "yiban_core.verification",
    "yiban_core.privacy",
    "feeds",
    "resources",
    "classroom",
    "messages.apps.MessagesConfig",  # label "conversations" (contrib.messages owns "messages")
    "realtime",
    "openapi_plugins",
    "openapi_plugins.webhooks",
    "frontend",
    "oauth2_provider",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # login lockout, configured with the password settings below
]

# The open platform's plugins (openapi_plugins/): removing one here removes its
# scopes, GraphQL fields and webhook events, with no change to the core.
OPENAPI_PLUGINS = env_list(
    "OPENAPI_PLUGINS",
    "openapi_plugins.academic_affairs,openapi_plugins.vocational",
)
INSTALLED_APPS += OPENAPI_PLUGINS
OPENAPI_PLUGIN_SETTINGS: dict[str, dict] = {}
# Webhooks (openapi_plugins/webhooks/services.py): a delivery is tried once, then again
# after each of these delays; a subscription whose deliveries failed for good this many
# times in a row is disabled and its app's owner notified.
WEBHOOK_TIMEOUT_S = 5
WEBHOOK_RETRY_DELAYS_S = [10, 30, 90, 270, 810]
WEBHOOK_DISABLE_AFTER_FAILURES = 10

MIDDLEWARE = [
    "yiban_core.health.ProbeMiddleware",  # /healthz, /readyz, /metrics: before everything
    "yiban_core.request_id.RequestIdMiddleware",
    "yiban_core.audit.context.ClientIpMiddleware",  # who acted from where, for the audit log
    "yiban_core.privacy.access_log.AccessLogMiddleware",  # a request's reads: one INSERT
    "yiban_core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yiban_core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yiban_core.compression.PageGZipMiddleware",  # after whitenoise: static files come compressed
    "yiban_core.unavailable.DatabaseUnavailableMiddleware",  # 503 when the database is out of reach
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiban_core.accounts.two_factor.TwoFactorMiddleware",
    "yiban_core.actor.ActorMiddleware",
    "openapi_plugins.auth.BearerTokenMiddleware",
    "yiban_core.privacy.middleware.PolicyConsentMiddleware",  # after the token: apps pass
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frontend.middleware.RefuseNulMiddleware",  # its view hook runs after CSRF's
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "yiban_core.urls"
WSGI_APPLICATION = "yiban_core.wsgi.application"
ASGI_APPLICATION = "yiban_core.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request may run on another thread: a psycopg 3 pool
    # shares a few connections instead of opening one per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A pooled connection the server dropped (restart, outage) is checked and
    # replaced before use, so the site recovers on its own.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # An unreachable server fails a connection attempt within this many seconds.
    options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "2")))
    # The planner tries every join order up to join_collapse_limit tables (8 by default).
    # A card's query joins 7 to 9 (author, profile, group, the original of a repost and
    # its author...) by their keys, in the order they are written: PostgreSQL spent 5 ms
    # planning the resource library's page and 0.3 ms running it. Groups of 4 plan it in
    # 0.9 ms and run it as fast (bench/pages.py; README "Database connections").
    join_limit = int(os.environ.get("DB_JOIN_COLLAPSE_LIMIT", "4"))
    options["options"] = f"-c join_collapse_limit={join_limit}"
    pool_max = int(os.environ.get("DB_POOL_MAX", "20"))
    options["pool"] = {
        # Kept open: the pool opens one connection at a time, too slowly for a
        # burst (README "Scaling out").
        "min_size": int(os.environ.get("DB_POOL_MIN", str(pool_max))),
        # Each request holds a connection from start to end (but not while it
        # hashes a password: yiban_core/accounts/hashers.py); a burst queues for
        # one, up to `timeout`, then gets a 503 with Retry-After
        # (yiban_core/unavailable.py). bench/logins.py measures it.
        "max_size": pool_max,
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "2")),
        # The pool retries a failed connection with a doubling delay; after this
        # long it starts over at 1 s, so the site is back within seconds of the
        # database, even after a long outage.
        "reconnect_timeout": 5,
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the worker and the server write the same file without
            # "database is locked" under ordinary load.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and channel layer ---------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        # The first server only: Django reads a comma list as primary + replicas,
        # but the other URLs are channel-layer shards, not replicas.
        # Redis down: each process carries on with its own memory (yiban_core/cache.py).
        "default": {"BACKEND": "yiban_core.cache.FallbackRedisCache",
                    "LOCATION": REDIS_URL.split(",")[0],
                    # Sites sharing one Redis keep their cache keys apart.
                    "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "")}
    }
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer: each process subscribes once per group it serves,
            # a send is one PUBLISH (faster than the core layer's lists; DESIGN.md 6).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # Several URLs shard the layer (channels and groups by hash).
                # redis-py 8 defaults to a 5 s socket timeout (an idle pub/sub
                # connection dies) and a pool of 100 (connection bursts fail):
                # undo both, keeping a bounded connect timeout.
                "hosts": [
                    {"address": url, "socket_timeout": None, "socket_connect_timeout": 5,
                     "socket_keepalive": True, "max_connections": 1000}
                    for url in REDIS_URL.split(",")
                ],
                # Sites sharing one Redis keep their events apart.
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
            },
        }
    }
else:
    # Room for the rendered post cards and per-person reads of one process's pages.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 20_000}}}
    # One hub channel per process carries every event (realtime.hub): more room
    # than the default 100 queued messages. In memory, so it reaches only the sockets
    # of its own process; threads of that process (the task workers, below) may send.
    CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.ProcessChannelLayer",
                                  "CONFIG": {"capacity": 10_000}}}

# Timelines and leaderboards: Redis sorted sets when Redis is there, else the database.
ACCELERATOR_REDIS_URL = os.environ.get("ACCELERATOR_REDIS_URL", REDIS_URL.split(",")[0])
FEED_TIMELINE_CAP = 800  # post ids kept per home timeline
FEED_TIMELINE_TTL_S = 7 * 24 * 3600  # timelines of users away longer are dropped, rebuilt on return
FEED_REBUILD_LEASE_S = 120  # a rebuild not finished by then died: the next read starts another
FEED_FANOUT_MAX_GROUP = 10_000  # bigger groups are merged at read time, not fanned out
FEED_CARD_TTL_S = 6 * 3600  # post, person and group cards of the home timeline (feeds/cards.py)
FEED_CARD_TOMBSTONE_S = 5  # a forgotten card cannot be refilled for this long
POST_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# Files sent in a private message or a group chat (messages/files.py); images as posts'.
MESSAGE_FILE_MAX_BYTES = int(os.environ.get("MESSAGE_FILE_MAX_BYTES", 20 * 1024 * 1024))
RESOURCE_MAX_BYTES = int(os.environ.get("RESOURCE_MAX_BYTES", 50 * 1024 * 1024))

# Sensitive words (yiban_core/moderation/words.py): how often a process asks the database
# whether a word list changed elsewhere (a change in the process itself is seen at once).
MODERATION_WORDS_RECHECK_S = 1.0
# What `manage.py import_sensitive_words` accepts.
MODERATION_WORD_FILE_MAX_BYTES = 10 * 1024 * 1024
MODERATION_WORD_FILE_MAX_LINES = 200_000
# Pre-moderation of new accounts (moderation/rules.py): for this many hours after sign-up an
# account's posts and comments with a link or an image wait for a moderator; 0 turns it off.
MODERATION_NEW_ACCOUNT_HOURS = int(os.environ.get("MODERATION_NEW_ACCOUNT_HOURS", "24"))
# Hide after reports (issue 19 item 3): this many distinct verified school members reporting
# a post, comment, resource or review hold it (审核中) until a moderator decides its case.
MODERATION_HIDE_AFTER_REPORTS = int(os.environ.get("MODERATION_HIDE_AFTER_REPORTS", "3"))
MODERATION_REPORTS_PER_HOUR = 30  # reports one person may file in an hour
# The audit log (yiban_core/audit/): days an entry is kept before the periodic prune removes
# it. The Cybersecurity Law asks for at least six months of network logs.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "180"))
# A GeoIP2/MaxMind City database (.mmdb) to name the city of a sign-in in a person's access
# log (yiban_core/privacy/access_log.py); without it the /24 network is shown alone.
GEOIP_CITY_DB = os.environ.get("GEOIP_CITY_DB", "")

# --- search: the database by default, Elasticsearch when a URL is given ----------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "yiban")
# "cjk" is built into Elasticsearch; "smartcn" needs the analysis-smartcn plugin on the cluster.
ELASTICSEARCH_ANALYZER = os.environ.get("ELASTICSEARCH_ANALYZER", "cjk")

# --- background work: the task queue lives in the database ----------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A claimed task not finished within the lease is taken to belong to a dead worker and run
# again (yiban_core/worker.py): longer than the slowest task, short enough to lose little.
TASK_LEASE_S = int(os.environ.get("TASK_LEASE_S", "300"))
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "5"))
# `manage.py serve` runs its task workers as threads of the daphne process when the channel
# layer cannot cross processes (no Redis), so what a task sends live reaches the sockets;
# with Redis they are processes of their own (yiban_core/worker_threads.py).
TASK_WORKERS_IN_WEB_PROCESS = not REDIS_URL

# --- accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Two-factor (yiban_core/accounts/two_factor.py): the admin site and the school-admin pages
# want a TOTP code as well as the password. On by default in production.
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "易班学习网"
PASSWORD_HASHERS = [
    "yiban_core.accounts.hashers.ClassroomArgon2PasswordHasher",  # why: in that module
    "yiban_core.accounts.hashers.GatedPBKDF2PasswordHasher",  # hashes made before; upgraded
]
# The hashing gate (yiban_core/accounts/hashers.py): hashes at once per process (default:
# one per core), requests that may queue for one, and how long they wait before a 503.
PASSWORD_HASH_SLOTS = int(os.environ.get("PASSWORD_HASH_SLOTS", "0")) or None
PASSWORD_HASH_QUEUE = int(os.environ.get("PASSWORD_HASH_QUEUE", "500"))
PASSWORD_HASH_WAIT_S = float(os.environ.get("PASSWORD_HASH_WAIT_S", "30"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): five wrong passwords for one username from one address
# lock that pair out for 15 minutes (a try while locked starts them again); the right
# password resets the count. Attempts are kept in the cache with Redis (shared by every
# process), else in the database (the local-memory cache is one process's). Redis down:
# logins still work, and attempts are counted per process until it is back
# (yiban_core/cache.py); sessions are in the database, so a login never needs Redis.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "yiban_core.accounts.backends.ModelBackend",
                           # sessions made before the one above name this one
                           "django.contrib.auth.backends.ModelBackend"]
SIGN_IN_BACKEND = "yiban_core.accounts.backends.ModelBackend"  # login() without a password
AXES_HANDLER = ("axes.handlers.cache.AxesCacheHandler" if REDIS_URL
                else "axes.handlers.database.AxesDatabaseHandler")
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "yiban_core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "frontend.views.accounts.login_locked_out"
AXES_DISABLE_ACCESS_LOG = True  # no record of who logged in from where: not needed

# School sign-in (yiban_core/sso): providers' addresses are https; plain http is accepted
# while DEBUG is on, and for loopback addresses when this is on (tests start providers there).
SSO_ALLOW_LOOPBACK_HTTP = env_bool("SSO_ALLOW_LOOPBACK_HTTP", DEBUG)
# E-mail (password reset, frontend/views/password_reset.py): SMTP when EMAIL_HOST is set,
# else each message is printed on the console (the embedded default).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "易班学习网 <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a reset link works for a day

# --- i18n: Simplified Chinese first, English selectable --------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Minors mode's quiet hours (未成年人模式 免打扰): from 22:00 to 07:00 school time (TIME_ZONE:
# every school on the site is in China's one time zone) no live notification reaches a
# minor's open pages; what arrives is stored and shown when they next open the site.
MINORS_QUIET_HOURS = (22, 7)

# --- files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# S3-compatible object storage (MinIO, Aliyun OSS, Tencent COS ...) when a bucket is named.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_S3_FILE_OVERWRITE = False
AWS_DEFAULT_ACL = None  # private objects, served through signed URLs
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"} if AWS_STORAGE_BUCKET_NAME
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Post images, resource files, attachments: read only through /files/ (yiban_core.files).
    "protected": {"BACKEND": "yiban_core.files.s3.ProtectedS3Storage"} if AWS_STORAGE_BUCKET_NAME
    else {"BACKEND": "yiban_core.files.storage.ProtectedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Protected files behind nginx: the `internal` location that maps to MEDIA_ROOT, e.g.
# "/_protected/"; unset, Django streams them itself.
PROTECTED_MEDIA_ACCEL_PREFIX = os.environ.get("PROTECTED_MEDIA_ACCEL_PREFIX", "")
# How long a signed S3 URL of a protected file works, in seconds.
PROTECTED_MEDIA_URL_EXPIRY = int(os.environ.get("PROTECTED_MEDIA_URL_EXPIRY", "300"))
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    # Static files come straight from the apps while developing; no collectstatic needed.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
AVATAR_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- GraphQL ------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "yiban_core.graphql.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    # Not graphene-django's DEBUG default (DjangoDebugMiddleware around every resolver):
    # the schema has no debug field to read it, and it slows every request.
    "MIDDLEWARE": [],
}
GRAPHQL_MAX_PAGE_SIZE = 100
# Limits of /graphql (yiban_core/graphql/limits.py; the docs page reads these same values).
GRAPHQL_MAX_DEPTH = 15  # fields nested in fields; each connection hop takes three (x.edges.node)
GRAPHQL_MAX_ALIASES = 30  # aliased fields per operation, fragments expanded
GRAPHQL_MAX_COST = 5_000  # points per query: 1 a field, a page's items times its size
# Budgets in cost points per fixed window (yiban_core/graphql/rate_limits.py).
GRAPHQL_RATE_LIMITS = {
    "window_s": 60,
    "token": 10_000,  # per access token of a user app
    "school_app": 10_000,  # per school app, across all its client-credentials tokens
    "user": 30_000,  # per user, across all their tokens and web sessions
    "anonymous": 10_000,  # per client IP, no login (campus NATs put many behind one IP)
}

# --- OAuth 2.0 and OpenID Connect (django-oauth-toolkit, under /o/) -------------------
def _oidc_key() -> str:
    """RS256 signing key: OIDC_RSA_PRIVATE_KEY, else (embedded default only) a key
    generated once into the data folder."""
    key = os.environ.get("OIDC_RSA_PRIVATE_KEY", "").replace("\\n", "\n")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY must be set when DEBUG is off")
    path = BASE_DIR / ".oidc-dev-key.pem"
    if not path.exists():
        from jwcrypto import jwk

        pem = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True,
                                                                   password=None)
        path.write_bytes(pem)
        path.chmod(0o600)
    return path.read_text()


# DOT's own models; named so that migrations can depend on the swappable setting.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

# Client authentication at /o/token/ and /o/revoke_token/: a secret, or none for a
# public user app (a native app, with PKCE). Discovery reads these (openapi_plugins.discovery).
_OAUTH_CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "openapi_plugins.scopes.PlatformScopes",
    "OAUTH2_VALIDATOR_CLASS": "openapi_plugins.oauth.PlatformValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    "ALLOW_URI_WILDCARDS": False,
    # Native apps receive the code on a loopback listener (RFC 8252), which is
    # plain http; production (DEBUG off) takes https redirect URIs only, unless
    # OAUTH_ALLOW_LOOPBACK_REDIRECTS is set. Registration limits http to loopback.
    "ALLOWED_REDIRECT_URI_SCHEMES": (
        ["http", "https"] if env_bool("OAUTH_ALLOW_LOOPBACK_REDIRECTS", DEBUG) else ["https"]),
    "ALLOWED_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "REQUEST_APPROVAL_PROMPT": "auto",  # asked once; the user's app list revokes
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_key(),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "client_credentials",
                                     "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": _OAUTH_CLIENT_AUTH_METHODS,
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": _OAUTH_CLIENT_AUTH_METHODS,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Sessions are read from the cache and written through to the database: a page view reads
# no session row, and a lost cache (or Redis down) only means reading the row again.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- security: on whenever DEBUG is off ------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    # Load balancers probe over plain http (the probes answer before the redirect anyway).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- operations: probes and metrics (yiban_core/health.py, yiban_core/metrics.py) ----------
READINESS_DATABASE = "default"  # the database alias /readyz checks
# Who may read /metrics: these addresses or networks, connecting directly (no proxy header)...
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
# ...or anyone sending `Authorization: Bearer <METRICS_TOKEN>` (unset: no token works).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- Content-Security-Policy (django-csp; yiban_core/csp.py adds the websocket origin) ------
# Every script and stylesheet is a file the site serves (frontend/static/): no inline
# script, no inline style, no eval, so injected markup cannot run (the GraphQL explorer alone
# allows <style> elements, for GraphiQL's dialogs: frontend/views/explorer.py). GraphiQL's
# stylesheet embeds its fonts and icons as data: URIs; the 2FA page draws its QR code inline.
def _media_origins() -> list[str]:
    """Where uploaded images (avatars, post images) come from when they live in a bucket."""
    if not AWS_STORAGE_BUCKET_NAME:
        return []
    if AWS_S3_ENDPOINT_URL:
        endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        return [f"{endpoint.scheme}://{endpoint.netloc}", f"{endpoint.scheme}://*.{endpoint.netloc}"]
    return ["https://*.amazonaws.com"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:", *_media_origins()],
        "font-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        # Forms post to the site only; the consent page and the login page also let their
        # form end at the OAuth app's registered redirect URI (openapi_plugins/form_action.py).
        "form-action": [csp.SELF],
    },
}

# Logs: one JSON object a line in production, text while developing (yiban_core/logs.py);
# every line carries the request id of the request, or of the task's enqueuing request.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "yiban_core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "yiban_core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
