"""Secrets in text: URLs with userinfo -> masked URLs; text -> text with every secret replaced by '***'.

`mask_url` is the display form of a URL (`ingest config`, errors); `url_secrets` are the parts of a
URL's userinfo that are secret; `scrub_text(text, secrets)` removes them (longest first) and any
'Bearer <token>'; `env_secrets` names the secrets of the environment for text written before any
Settings could be built (the CLI's last-resort scrubbing). Pure, no I/O beyond reading os.environ.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit, urlunsplit


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


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of a URL's userinfo, as written and percent-decoded: the password, and a lone
    user part (usually a token, 'https://sk-x@proxy/v1'); with a password, also 'user:password'."""
    if not url or "@" not in url:
        return []
    netloc = urlsplit(url).netloc
    if "@" not in netloc:
        return []
    userinfo = netloc.rsplit("@", 1)[0]
    user, has_password, password = userinfo.partition(":")
    parts = [userinfo, password] if has_password else [user]
    return [p for part in parts if part for p in {part, unquote(part)}]


BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def scrub_text(text: str, secrets: list[str]) -> str:
    """`text` with each secret (longest first) and any 'Bearer <token>' replaced by '***'."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return BEARER.sub(r"\1***", text)


def env_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """Secrets named by the environment (API key, base URL and database URL userinfo), for scrubbing
    text when no Settings could be built."""
    env = os.environ if environ is None else environ
    names = ("OPENAI_API_KEY", "INGEST_OPENAI_API_KEY", "NOTION_TOKEN", "INGEST_NOTION_TOKEN")
    found = [env.get(n, "") for n in names]
    for name in ("OPENAI_BASE_URL", "INGEST_OPENAI_BASE_URL", "INGEST_DB_URL"):
        found += url_secrets(env.get(name))
    return [s for s in found if s]
