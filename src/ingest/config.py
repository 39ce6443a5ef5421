"""Settings: environment (`INGEST_*`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`) + `ingest.toml` -> Settings.

Built once by the CLI (`Settings.load`, or a test) and passed down; nothing else reads the environment.
Precedence, highest first: explicit keyword arguments, environment, `ingest.toml` (path from
`INGEST_CONFIG` or `--config`; unset: `./ingest.toml` when present; empty: no file), the defaults below.
Secrets are `SecretStr` so they never print by accident; `masked()` is the only view used for display,
`scrub(text)` removes every secret (API key, URL userinfo, bearer tokens) from text that is stored or
printed.

Validation: every number has its range, floats must be finite, unknown keys are rejected (a typo or an
`[ingest]` table in ingest.toml), `db_url` takes a SQLAlchemy URL or a plain file path (like `--db`).
`Settings.load` turns every problem (a missing config file, TOML syntax, a wrong type or range) into
one ConfigError line naming the file or environment variable and the key.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingest.errors import ConfigError
from ingest.secrets import mask_url, scrub_text, url_secrets

DEFAULT_DB_URL = "sqlite:///db/ingest.sqlite3"

# The prompt registry: every prompt the tool renders and the version pinned by default.
DEFAULT_PROMPT_VERSIONS: dict[str, str] = {
    "extract_paper": "v2",
    "plan_report": "v2",
    "write_section": "v2",
    "write_overview": "v2",
}
PROMPT_NAMES: tuple[str, ...] = tuple(DEFAULT_PROMPT_VERSIONS)
REPORT_PROMPT_NAMES: tuple[str, ...] = ("plan_report", "write_section", "write_overview")


def config_path() -> Path | None:
    """The settings file: INGEST_CONFIG (set by --config too; empty = none), else ./ingest.toml when it
    exists. ConfigError when the named file is missing or is a directory."""
    named = os.environ.get("INGEST_CONFIG")
    if named is None:
        default = Path("ingest.toml")
        return default if default.is_file() else None
    if not named.strip():
        return None
    path = Path(named).expanduser()
    if path.is_dir():
        raise ConfigError(
            f"config file {path} is a directory; name a TOML file such as {path / 'ingest.toml'}"
        )
    if not path.is_file():
        raise ConfigError(f"config file {path} not found (named by --config or INGEST_CONFIG)")
    return path


def sqlite_url(value: str) -> str:
    """A database setting -> SQLAlchemy URL: URLs pass through, a plain path becomes sqlite:///path.
    ValueError when the SQLite file named is a directory."""
    value = value.strip()
    if not value:
        raise ValueError("empty database URL")
    url = value if "://" in value else f"sqlite:///{Path(value).expanduser()}"
    if url.startswith("sqlite:///"):
        target = url.removeprefix("sqlite:///").split("?", 1)[0]
        if target and target != ":memory:" and Path(target).is_dir():
            raise ValueError(
                f"{target} is a directory; name a database file such as {Path(target) / 'ingest.sqlite3'}"
            )
    return url


class Price(BaseModel):
    """USD per million tokens; `batch_discount`: the share of that price a Batch API call pays."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    batch_discount: float = Field(0.5, gt=0, le=1)


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1": Price(input=2.00, output=8.00),
    "deepseek-chat": Price(input=0.27, output=1.10),
    "offline-rules": Price(input=0.0, output=0.0),
}


class Settings(BaseSettings):
    """Every knob of the tool. Field docs double as `ingest config` output."""

    model_config = SettingsConfigDict(
        env_prefix="INGEST_",
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
        allow_inf_nan=False,
    )

    # storage
    db_url: str = Field(
        DEFAULT_DB_URL, description="SQLAlchemy URL or a SQLite file path; PostgreSQL works too"
    )
    reports_dir: Path = Field(Path("reports"), description="where report Markdown files are written")
    cache_dir: Path = Field(Path("db/cache"), description="on-disk cache (fetched HTML pages)")

    # LLM backend
    backend: Literal["auto", "offline", "openai"] = Field(
        "auto", description="auto = openai when an API key or base URL is set, else offline"
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("INGEST_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("INGEST_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url")
    )
    model: str = Field(
        "gpt-4o-mini", min_length=1, description="model name sent to the OpenAI-compatible endpoint"
    )
    llm_response_format: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="json_object for servers without json_schema support (DeepSeek)"
    )
    llm_timeout: float = Field(120.0, gt=0, le=3600, description="seconds per LLM request")
    llm_max_retries: int = Field(4, ge=0, le=20, description="transport retries on 429/5xx/timeouts")
    llm_reasks: int = Field(
        1, ge=0, le=5, description="re-asks with the validation error when the output is invalid"
    )
    llm_concurrency: int = Field(8, ge=1, le=256, description="LLM requests in flight at once")
    llm_max_tokens: int = Field(4096, ge=1, le=1_000_000, description="completion token cap per call")
    llm_max_source_chars: int = Field(
        24_000,
        ge=1_000,
        le=1_000_000,
        description="characters of paper text (title, abstract, comment, full text) sent per paper",
    )
    extract_lease_seconds: float = Field(
        900.0,
        gt=0,
        description="a worker's claim on a paper lasts this long unless renewed (it is, while alive)",
    )
    batch_poll_seconds: float = Field(
        60.0, gt=0, description="seconds between Batch API status checks (--wait)"
    )
    prompts_dir: Path | None = Field(None, description="override the prompts/ folder")
    prompt_versions: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_PROMPT_VERSIONS),
        description="pinned version of each prompt (prompts/<name>/<version>.md)",
    )
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    # arXiv (terms of use: at most one request every 3 seconds, see TECH_NOTES.md section 6)
    arxiv_query_url: str = Field("https://export.arxiv.org/api/query?{}", pattern=r"^https?://.*\{\}")
    arxiv_delay_seconds: float = Field(3.0, ge=0.0)
    arxiv_page_size: int = Field(200, ge=1, le=2000)
    arxiv_timeout: float = Field(30.0, gt=0, le=600, description="seconds per arXiv request")
    arxiv_retries: int = Field(4, ge=0, le=20)
    arxiv_backoff_seconds: float = Field(10.0, ge=0)
    arxiv_give_up_seconds: float = Field(
        180.0, gt=0, description="a live crawl that cannot reach arXiv stops after this many seconds"
    )
    user_agent: str = Field(
        "recsys-weekly-ingest/0.1 (https://github.com/recsys-weekly/ingest)", min_length=1
    )

    # full-text enrichment (arXiv HTML pages), off by default
    enrich_html: bool = False
    html_base_url: str = "https://arxiv.org/html/"

    # selection and report
    relevance_threshold: float = Field(1.0, description="pre-score a paper needs to reach the LLM")
    deep_dive_cap: int = Field(15, ge=0, le=1000, description="max papers with a deep dive in a report")
    lang: Literal["en", "zh"] = "en"
    trend_weeks: int = Field(8, ge=1, le=520)

    # search
    search_rank_cap: int | None = Field(
        None,
        ge=1,
        description="off (None): every match is ranked; else the term-rows an unfiltered search ranks "
        "(its newest matches: this divided by the query's cost), for very large archives",
    )

    # scheduling and operations
    schedule_day: str = "mon"
    schedule_hour: int = Field(6, ge=0, le=23)
    schedule_minute: int = Field(0, ge=0, le=59)
    schedule_second: int = Field(0, ge=0, le=59)
    schedule_timezone: str = "UTC"
    misfire_grace_days: float = Field(
        3.0,
        gt=0.0,
        le=365,
        description="a firing missed by less than this (days, fractions allowed) runs late",
    )
    catchup_weeks: int = Field(
        4,
        ge=0,
        le=520,
        description="max missed weeks run before the last complete one (on start and at each firing)",
    )
    lock_wait_seconds: float = Field(0.0, ge=0, description="how long a second writer waits for the lock")
    lock_stale_seconds: float = Field(
        6 * 3600.0, gt=0, description="a lock without heartbeat this long is stale (must be > 0)"
    )

    # publishing (ingest publish; `ingest run` publishes after a Published report when these are set)
    publish_site_dir: Path | None = Field(None, description="static site folder written after each run")
    publish_base_url: str = Field(
        "", description="public URL of the site (absolute links in the feed and Notion); '' = relative"
    )
    notion_database_id: str | None = Field(None, description="Notion database the reports are published to")
    notion_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("INGEST_NOTION_TOKEN", "NOTION_TOKEN", "notion_token")
    )
    notion_base_url: str = Field(
        "https://api.notion.com", description="Notion API root (tests: a local fake)"
    )
    notion_timeout: float = Field(30.0, gt=0, description="seconds per Notion request")
    notion_max_retries: int = Field(5, ge=0, description="retries on 429 rate limits (Retry-After honoured)")
    notion_block_batch: int = Field(100, ge=1, le=100, description="blocks per Notion request (API max 100)")
    notion_min_interval: float = Field(
        0.35, ge=0, description="seconds between Notion requests (the API allows about 3 per second)"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = config_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @classmethod
    def load(cls, **values: Any) -> Settings:
        """Settings from `values`, the environment and the config file; ConfigError (one line naming
        the file or variable and the key) for anything invalid."""
        path = config_path()
        try:
            toml = tomllib.loads(path.read_text(encoding="utf-8")) if path is not None else {}
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        unknown_environment()
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(explain(exc, path, toml, values)) from None

    @field_validator("db_url", mode="before")
    @classmethod
    def _db_url(cls, value: Any) -> Any:
        return sqlite_url(value) if isinstance(value, str) else value

    @field_validator("prompt_versions")
    @classmethod
    def _known_prompts(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(PROMPT_NAMES))
        if unknown:
            raise ValueError(f"unknown prompt {unknown[0]!r}; known prompts: {', '.join(PROMPT_NAMES)}")
        bad = sorted(v for v in value.values() if not re.fullmatch(r"v\d+", v))
        if bad:
            raise ValueError(f"prompt version {bad[0]!r} is not of the form v1, v2, ...")
        old = sorted(k for k, v in value.items() if k in REPORT_PROMPT_NAMES and v == "v1")
        if old:
            raise ValueError(
                f"{old[0]} v1 belongs to the report stage before storylines and claims; pin v2 or later"
            )
        return {**DEFAULT_PROMPT_VERSIONS, **value}

    def prompt_version(self, name: str) -> str:
        """The pinned version of prompt `name` (the registry: PROMPT_NAMES); ConfigError if unknown."""
        if name not in DEFAULT_PROMPT_VERSIONS:
            raise ConfigError(f"unknown prompt {name!r}; known prompts: {', '.join(PROMPT_NAMES)}")
        return self.prompt_versions.get(name, DEFAULT_PROMPT_VERSIONS[name])

    def prompt_pins(self, names: tuple[str, ...] = PROMPT_NAMES) -> dict[str, str]:
        """name -> pinned version for `names` (what a report or extraction records as its prompts)."""
        return {name: self.prompt_version(name) for name in names}

    @property
    def active_backend(self) -> Literal["offline", "openai"]:
        """The backend that will run: explicit choice, else openai when an endpoint/key is configured."""
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    def api_key(self) -> str:
        """The real key (never log it). Local servers accept any key, so a base URL alone gets a dummy."""
        if self.openai_api_key is not None:
            return self.openai_api_key.get_secret_value()
        return "not-needed"

    def check_llm(self) -> None:
        """ConfigError when the active backend cannot work: openai without a key (a base URL of a server
        other than api.openai.com needs none). Called before any paper is sent."""
        if self.active_backend != "openai" or self.openai_api_key is not None:
            return
        host = urlsplit(self.openai_base_url or "https://api.openai.com/v1").hostname or ""
        if self.openai_base_url is None or host.endswith("api.openai.com"):
            raise ConfigError(
                "backend openai needs an API key: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "server that needs none), or use --backend offline"
            )

    def masked(self) -> dict[str, Any]:
        """Effective settings for display, secrets replaced by '***' (or None when unset)."""
        out = self.model_dump(mode="json")
        out["openai_api_key"] = "***" if self.openai_api_key else None
        out["notion_token"] = "***" if self.notion_token else None
        out["openai_base_url"] = mask_url(self.openai_base_url)
        out["db_url"] = mask_url(self.db_url)
        return out

    def secrets(self) -> list[str]:
        """Secret values that must never be written anywhere: the API key, the Notion token and the
        userinfo of the base URL and the database URL (see url_secrets)."""
        keys = [s.get_secret_value() for s in (self.openai_api_key, self.notion_token) if s is not None]
        found = [*keys, *url_secrets(self.openai_base_url), *url_secrets(self.db_url)]
        return [s for s in found if s]

    def scrub(self, text: str) -> str:
        """Text with every secret value (and any 'Bearer <token>') replaced by '***'."""
        return scrub_text(text, self.secrets())


ENV_NAMES: dict[str, tuple[str, ...]] = {
    "openai_api_key": ("INGEST_OPENAI_API_KEY", "OPENAI_API_KEY"),
    "openai_base_url": ("INGEST_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
    "notion_token": ("INGEST_NOTION_TOKEN", "NOTION_TOKEN"),
}
SECRET_FIELDS = ("openai_api_key", "notion_token")
OPTION_NAMES = {"db_url": "--db", "backend": "--backend"}  # the CLI options that set these


NOT_SETTINGS = ("INGEST_CONFIG", "INGEST_TEST_")  # INGEST_* variables that are not settings (prefixes)


def unknown_environment() -> None:
    """ConfigError for an INGEST_* environment variable that names no setting (a typo is never ignored)."""
    names = {f"INGEST_{n.upper()}" for n in Settings.model_fields} | {
        n for v in ENV_NAMES.values() for n in v
    }
    for variable in sorted(os.environ):
        upper = variable.upper()
        if upper.startswith("INGEST_") and upper not in names and not upper.startswith(NOT_SETTINGS):
            close = difflib.get_close_matches(upper, sorted(names), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"environment variable {variable} is not a setting{hint}")


def _source_of(name: str, path: Path | None, toml: dict[str, Any], values: dict[str, Any]) -> str:
    """Where setting `name` came from, for an error message (the highest-precedence source holding it)."""
    if name in values:
        return OPTION_NAMES.get(name, f"option {name}")
    upper = {k.upper() for k in os.environ}
    for env_name in ENV_NAMES.get(name, (f"INGEST_{name.upper()}",)):
        if env_name in upper:
            return f"environment variable {env_name}"
    if path is not None and name in toml:
        return f"{path}: key {name!r}"
    return f"setting {name!r}"


def _one(error: Any, path: Path | None, toml: dict[str, Any], values: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    name = loc[0] if loc else ""
    if error.get("type") == "extra_forbidden":
        where = f"{path}" if path is not None and name in toml else "settings"
        if name == "ingest" and isinstance(error.get("input"), dict):
            return (
                f"{where}: an [ingest] table is not read: write the settings at the top level of the "
                "file, without a table header"
            )
        close = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown key {name!r}{hint}"
    where = _source_of(name, path, toml, values)
    sub = f" ({'.'.join(loc[1:])})" if len(loc) > 1 else ""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    shown = ""
    if name not in SECRET_FIELDS and "input" in error and not isinstance(error["input"], dict | list):
        value = str(error["input"])
        value = mask_url(value) or value
        shown = f" (got {value[:60]!r})"
    return f"{where}{sub}: {message}{shown}"


def explain(exc: ValidationError, path: Path | None, toml: dict[str, Any], values: dict[str, Any]) -> str:
    """A settings ValidationError as one line: each problem with its file/variable and key."""
    errors = exc.errors(include_url=False)
    lines = [_one(e, path, toml, values) for e in errors[:3]]
    more = len(errors) - 3
    return "invalid settings: " + "; ".join(lines) + (f"; and {more} more" if more > 0 else "")
