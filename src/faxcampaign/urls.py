"""URLs and the secrets in them: the log's place (`--log`), the fax route (`--via`), and any URL to come.

Secrets come from the environment, never from a URL on the command line (where `ps` and the shell's
history show them). A URL may still carry one, as ``user:password@`` or as a query parameter such as
``?password=`` or ``?sslpassword=`` (libpq reads both); `mask` hides every such part wherever a URL is
printed, and `has_secret` tells the command line to warn.
"""

from __future__ import annotations

import dataclasses
import urllib.parse

# Query parameters that hold a secret: libpq's (password, sslpassword) and the usual names of others.
SECRET_PARAMETERS = frozenset({"password", "passwd", "pass", "pwd", "sslpassword", "secret", "token", "key",
                               "api_key", "apikey", "access_token"})
HIDDEN = "***"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(where: str) -> bool:
    return where.startswith(POSTGRES_SCHEMES)


def is_url(text: str) -> bool:
    return "://" in text


def _secret_parameters(query: str) -> list[str]:
    return [name for name, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)
            if name.lower() in SECRET_PARAMETERS]


def has_secret(url: str) -> bool:
    """Whether ``url`` holds a password (``user:password@``) or a secret query parameter."""
    if not is_url(url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        return parts.password is not None or bool(_secret_parameters(parts.query))
    except ValueError:
        return ":" in url.split("://", 1)[1].split("@", 1)[0] if "@" in url else False


def mask(url: str) -> str:
    """``url`` fit to print: any password and any secret query parameter is replaced by ``***``."""
    if not is_url(url):
        return url
    try:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user_part, _, host_part = netloc.rpartition("@")
            user = user_part.split(":", 1)[0]
            netloc = f"{user}:{HIDDEN}@{host_part}"
        query = parts.query
        if _secret_parameters(query):
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            query = "&".join(f"{urllib.parse.quote(k)}="
                             + (HIDDEN if k.lower() in SECRET_PARAMETERS else urllib.parse.quote(v)) for k, v in pairs)
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{HIDDEN}"  # unparseable: show nothing that might be a secret


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """A parsed `--via` (or reports) URL: scheme, host, port, user, folder and query parameters."""

    scheme: str
    host: str
    port: int | None
    user: str | None
    path: str
    query: dict[str, str]

    def flag(self, name: str) -> bool:
        return self.query.get(name, "no").lower() in ("yes", "true", "1")


class URLError(ValueError):
    """A URL that cannot be used; the message shows it masked."""


def parse_route(url: str, what: str = "--via", password_from: str = "the environment") -> Route:
    """``scheme://[user@]host[:port][/path][?query]``; a password in it is refused (it belongs in
    ``password_from``)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise URLError(f"{mask(url)!r}: {e}") from e
    if parts.password is not None or _secret_parameters(parts.query):
        raise URLError(f"do not put a password in {what}: set {password_from} instead")
    query = {k: v for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
    return Route(parts.scheme, parts.hostname or "", port, parts.username, parts.path, query)
