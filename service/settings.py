"""One settings object for the whole service: a YAML file, then environment variables.

Precedence (lowest first): built-in defaults, `config/yuqing.yaml` in the repository,
the file named by `YUQING_CONFIG` (or --config), then `YUQING_*` environment variables.
Secrets (SMTP password, Elasticsearch API key, secret key) belong in the environment
or in a config file outside the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from store import StoreConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "yuqing.yaml"


class ConfigError(Exception):
    """Bad configuration: the message names the file, the key and the fix."""

    def __init__(self, file: str | Path | None, key: str, problem: str, fix: str):
        self.file, self.key = str(file) if file else "(environment)", key
        super().__init__(f"配置错误 / configuration error in {self.file}: key '{key}': {problem}. Fix: {fix}")


@dataclass
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    sender: str = "yuqing@localhost"
    timeout: float = 20.0


@dataclass
class CrawlSettings:
    sources_file: str = "config/sources.yaml"
    user_agent: str = "YuqingSentinel/0.1 (+public-opinion monitoring; contact: admin@localhost)"
    proxy: str | None = None
    obey_robots: bool = True
    download_timeout: float = 20.0
    max_response_bytes: int = 10 * 1024 * 1024
    concurrency_per_domain: int = 2
    autothrottle: bool = True
    retry_times: int = 2
    redis_url: str | None = None  # set to crawl distributed through scrapy-redis


@dataclass
class AlertSettings:
    rules_file: str = "config/rules.yaml"
    digest_to: list[str] = field(default_factory=list)
    digest_hour: int = 8  # local time (Asia/Shanghai) the daily digest is sent
    notify_to: list[str] = field(default_factory=list)  # duty officers mailed on new alerts
    dashboard_url: str = "http://127.0.0.1:5000"


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key: str | None = None  # generated into data_dir when unset


@dataclass
class Settings:
    data_dir: str = "var"
    timezone: str = "Asia/Shanghai"
    store: StoreConfig = field(default_factory=StoreConfig)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    model_dir: str = ""  # defaults to <data_dir>/models
    scheduler_tick_seconds: float = 5.0
    source_file: str = field(default="", repr=False)  # which file the settings came from

    def path(self, relative: str) -> Path:
        """Resolve a configured path: absolute as is, else relative to the repository."""
        p = Path(relative)
        return p if p.is_absolute() else REPO_ROOT / p

    @property
    def model_path(self) -> Path:
        return self.path(self.model_dir or str(Path(self.data_dir) / "models"))

    @property
    def uses_elasticsearch(self) -> bool:
        return bool(self.store.es_urls)


_SECTIONS = {
    "store": StoreConfig,
    "crawl": CrawlSettings,
    "alerts": AlertSettings,
    "smtp": SmtpSettings,
    "web": WebSettings,
}

# environment variable -> (section or None, key, type)
_ENV = {
    "YUQING_DATA_DIR": (None, "data_dir", str),
    "YUQING_TIMEZONE": (None, "timezone", str),
    "YUQING_MODEL_DIR": (None, "model_dir", str),
    "YUQING_SQLITE_PATH": ("store", "sqlite_path", str),
    "YUQING_ES_URL": ("store", "es_urls", list),
    "YUQING_ES_API_KEY": ("store", "es_api_key", str),
    "YUQING_ES_USERNAME": ("store", "es_username", str),
    "YUQING_ES_PASSWORD": ("store", "es_password", str),
    "YUQING_ES_CA_CERT": ("store", "es_ca_cert", str),
    "YUQING_ES_INDEX_PREFIX": ("store", "index_prefix", str),
    "YUQING_SOURCES": ("crawl", "sources_file", str),
    "YUQING_PROXY": ("crawl", "proxy", str),
    "YUQING_USER_AGENT": ("crawl", "user_agent", str),
    "YUQING_REDIS_URL": ("crawl", "redis_url", str),
    "YUQING_RULES": ("alerts", "rules_file", str),
    "YUQING_DIGEST_TO": ("alerts", "digest_to", list),
    "YUQING_NOTIFY_TO": ("alerts", "notify_to", list),
    "YUQING_DASHBOARD_URL": ("alerts", "dashboard_url", str),
    "YUQING_SMTP_HOST": ("smtp", "host", str),
    "YUQING_SMTP_PORT": ("smtp", "port", int),
    "YUQING_SMTP_USERNAME": ("smtp", "username", str),
    "YUQING_SMTP_PASSWORD": ("smtp", "password", str),
    "YUQING_SMTP_SENDER": ("smtp", "sender", str),
    "YUQING_SMTP_STARTTLS": ("smtp", "starttls", bool),
    "YUQING_SMTP_SSL": ("smtp", "ssl", bool),
    "YUQING_WEB_HOST": ("web", "host", str),
    "YUQING_WEB_PORT": ("web", "port", int),
    "YUQING_SECRET_KEY": ("web", "secret_key", str),
}


def _coerce(value: Any, typ: Any, file: str | Path | None, key: str) -> Any:
    if value is None:
        return None
    if typ is bool or typ == "bool":
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(file, key, f"'{value}' is not true/false", "write true or false")
    if typ is int or typ == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(file, key, f"'{value}' is not a whole number", "write a number such as 5000") from None
    if typ is float or typ == "float":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(file, key, f"'{value}' is not a number", "write a number such as 5.0") from None
    if typ is list or str(typ).startswith("list"):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            return [str(v) for v in value]
        raise ConfigError(file, key, f"'{value}' is not a list", "write a YAML list or comma-separated text")
    if typ is str or "str" in str(typ):
        if isinstance(value, (dict, list)):
            raise ConfigError(file, key, "expected text", "write a single value")
        return str(value)
    return value


def _apply(target: Any, data: dict[str, Any], file: str | Path | None, prefix: str = "") -> None:
    known = {f.name: f for f in fields(target) if f.name != "source_file"}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(
                file, dotted, "unknown key",
                f"remove it or use one of: {', '.join(sorted(known))}",
            )
        if key in _SECTIONS and prefix == "":
            if not isinstance(value, dict):
                raise ConfigError(file, dotted, "expected a section (mapping)", f"write '{key}:' followed by indented keys")
            _apply(getattr(target, key), value, file, prefix=f"{key}.")
            continue
        setattr(target, key, _coerce(value, known[key].type, file, dotted))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(path, "(file)", f"not valid YAML: {exc}", "fix the YAML syntax") from None
    except OSError as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc.strerror}", "check the path and permissions") from None
    if not isinstance(data, dict):
        raise ConfigError(path, "(file)", "the top level is not a mapping", "write key: value pairs")
    return data


def load_settings(config_file: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build the settings object. Raises ConfigError with file, key and fix."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    files: list[Path] = []
    if DEFAULT_CONFIG.exists():
        files.append(DEFAULT_CONFIG)
    extra = config_file or env.get("YUQING_CONFIG")
    if extra:
        p = Path(extra)
        if not p.exists():
            raise ConfigError(p, "YUQING_CONFIG", "file does not exist", "create it or point YUQING_CONFIG at an existing file")
        files.append(p)
    for f in files:
        _apply(settings, _read_yaml(f), f)
        settings.source_file = str(f)
    for var, (section, key, typ) in _ENV.items():
        if var in env and env[var] != "":
            target = getattr(settings, section) if section else settings
            setattr(target, key, _coerce(env[var], typ, None, var))
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    f = settings.source_file or None
    if not (1 <= settings.web.port <= 65535):
        raise ConfigError(f, "web.port", f"{settings.web.port} is not a TCP port", "use a number between 1 and 65535")
    if not (1 <= settings.smtp.port <= 65535):
        raise ConfigError(f, "smtp.port", f"{settings.smtp.port} is not a TCP port", "use 25, 465 or 587")
    if not (0 <= settings.alerts.digest_hour <= 23):
        raise ConfigError(f, "alerts.digest_hour", "must be 0..23", "write an hour such as 8")
    for url in settings.store.es_urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f, "store.es_urls / YUQING_ES_URL", f"'{url}' is not an http(s) URL", "write e.g. http://127.0.0.1:9200")
    for key, rel in (("crawl.sources_file", settings.crawl.sources_file), ("alerts.rules_file", settings.alerts.rules_file)):
        if not settings.path(rel).exists():
            raise ConfigError(f, key, f"file {settings.path(rel)} does not exist", "create it or point the key at an existing file")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.timezone)
    except Exception:
        raise ConfigError(f, "timezone", f"unknown time zone '{settings.timezone}'", "use an IANA name such as Asia/Shanghai") from None
