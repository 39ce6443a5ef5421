"""Settings: environment (`INGEST_*`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`) + `ingest.toml` -> Settings.

Built once by the CLI (or a test) and passed down; nothing else reads the environment.
Precedence, highest first: explicit keyword arguments, environment, `ingest.toml` (path from
`INGEST_CONFIG`, default `./ingest.toml`), the defaults below. Secrets are `SecretStr` so they never
print by accident; `masked()` is the only view used for display.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingest.errors import ConfigError

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


def mask_url(url: str | None) -> str | None:
    """`url` with its userinfo secret replaced by '***': 'postgresql://u:pw@h/db' -> 'postgresql://u:***@h/db';
    a lone user part (often a token: 'https://sk-x@proxy/v1') -> 'https://***@proxy/v1'. URLs without
    userinfo come back unchanged."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, has_password, _password = userinfo.partition(":")
    masked = f"{user}:***" if has_password else "***"
    return urlunsplit(parts._replace(netloc=f"{masked}@{host}"))


class Price(BaseModel):
    """USD per million tokens."""

    input: float
    output: float


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
        env_prefix="INGEST_", extra="ignore", populate_by_name=True, validate_default=True
    )

    # storage
    db_url: str = Field(DEFAULT_DB_URL, description="SQLAlchemy URL; PostgreSQL works too")
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
    model: str = Field("gpt-4o-mini", description="model name sent to the OpenAI-compatible endpoint")
    llm_response_format: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="json_object for servers without json_schema support (DeepSeek)"
    )
    llm_timeout: float = Field(120.0, description="seconds per LLM request")
    llm_max_retries: int = Field(4, description="transport retries on 429/5xx/timeouts")
    llm_reasks: int = Field(1, description="re-asks with the validation error when the output is invalid")
    llm_concurrency: int = Field(8, description="LLM requests in flight at once")
    llm_max_tokens: int = Field(4096, description="completion token cap per call")
    prompts_dir: Path | None = Field(None, description="override the prompts/ folder")
    prompt_versions: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_PROMPT_VERSIONS),
        description="pinned version of each prompt (prompts/<name>/<version>.md)",
    )
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    # arXiv (terms of use: at most one request every 3 seconds, see TECH_NOTES.md section 6)
    arxiv_query_url: str = "https://export.arxiv.org/api/query?{}"
    arxiv_delay_seconds: float = Field(3.0, ge=0.0)
    arxiv_page_size: int = Field(200, ge=1, le=2000)
    arxiv_timeout: float = 30.0
    arxiv_retries: int = 4
    arxiv_backoff_seconds: float = 10.0
    user_agent: str = "recsys-weekly-ingest/0.1 (https://github.com/recsys-weekly/ingest)"

    # full-text enrichment (arXiv HTML pages), off by default
    enrich_html: bool = False
    html_base_url: str = "https://arxiv.org/html/"

    # selection and report
    relevance_threshold: float = Field(1.0, description="pre-score a paper needs to reach the LLM")
    deep_dive_cap: int = Field(15, description="max papers with a deep dive in a report")
    lang: Literal["en", "zh"] = "en"
    trend_weeks: int = 8

    # search
    search_rank_cap: int = Field(
        4000,
        ge=1,
        description="term-rows an unfiltered search ranks (its newest "
        "matches: this divided by the query's cost); --rank-all ranks all",
    )

    # scheduling and operations
    schedule_day: str = "mon"
    schedule_hour: int = Field(6, ge=0, le=23)
    schedule_minute: int = Field(0, ge=0, le=59)
    schedule_second: int = Field(0, ge=0, le=59)
    schedule_timezone: str = "UTC"
    misfire_grace_days: float = Field(
        3.0, gt=0.0, description="a firing missed by less than this (days, fractions allowed) runs late"
    )
    catchup_weeks: int = Field(
        4, ge=0, description="max missed weeks run before the last complete one (on start and at each firing)"
    )
    lock_wait_seconds: float = Field(0.0, description="how long a second run waits for the lock")
    lock_stale_seconds: float = Field(6 * 3600.0, description="a lock without heartbeat this long is stale")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("INGEST_CONFIG", "ingest.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

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

    def masked(self) -> dict[str, Any]:
        """Effective settings for display, secrets replaced by '***' (or None when unset)."""
        out = self.model_dump(mode="json")
        out["openai_api_key"] = "***" if self.openai_api_key else None
        out["openai_base_url"] = mask_url(self.openai_base_url)
        out["db_url"] = mask_url(self.db_url)
        return out

    def secrets(self) -> list[str]:
        """Secret values that must never be written anywhere (used to scrub error text)."""
        key = self.openai_api_key.get_secret_value() if self.openai_api_key else ""
        return [key] if key else []

    def scrub(self, text: str) -> str:
        """Text with every secret value replaced by '***'."""
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text
