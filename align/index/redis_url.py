"""Redis URLs: parsed into ``redis.Redis`` arguments, and shown with every secret hidden.

A ``--redis`` URL may carry a password (in its user part, or as a query option), and
align names the URL in its messages and in the index's location. Everything that shows
one goes through :func:`redact` (the URL) or :func:`client_detail` (an error message of
the Redis client, which may quote the host and port it took out of a password), so no
message ever holds a secret. Kept apart from :mod:`align.index.redis_store` so this
parsing, where the mistakes that leak a password would be, stands on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from align.errors import AlignError, InputError
from align.index.store import message_detail
from align.textsafe import printable

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: Options of a Redis URL's query whose values are never secret (``redis-py``'s own); any
#: other option's value (``password=``, and whatever a client may add) is hidden.
_PLAIN_OPTIONS = frozenset({"db", "socket_timeout", "socket_connect_timeout", "socket_keepalive", "retry_on_timeout",
                            "max_connections", "health_check_interval", "protocol", "ssl_cert_reqs",
                            "ssl_check_hostname", "client_name"})
_WORD = re.compile(r"[A-Za-z0-9_.-]+")
_URL_HELP = ("use redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (a password's '/', '?', '#' and '@' written "
             "%2F, %3F, %23 and %40), rediss://... or unix:///PATH.sock")


@dataclass(frozen=True)
class _UrlParts:
    scheme: str  # "redis://", or "" when there is none
    userinfo: str | None  # everything before the last "@"
    rest: str  # host, port and path
    query: str | None
    fragment: str | None


def _split_url(url: str) -> _UrlParts:
    """Split ``url`` so that the most is hidden, whatever a password holds.

    A password may hold '/', '?', '#' or '@' unencoded; ``urlsplit`` (and redis-py) end the
    user part at the first of them, which leaves the rest of the password in the path,
    query or fragment (or takes its start for a port). Here the user part is everything
    before the *last* '@', so a password is always inside it. Nothing is parsed as a
    number, so this never fails.
    """
    match = _SCHEME.match(url)
    scheme = match.group(0) if match else ""
    rest = url[len(scheme):]
    userinfo = None
    if "@" in rest:
        userinfo, _, rest = rest.rpartition("@")
    rest, hashmark, fragment = rest.partition("#")
    rest, mark, query = rest.partition("?")
    return _UrlParts(scheme, userinfo, rest, query if mark else None, fragment if hashmark else None)


def _user(userinfo: str) -> str | None:
    """The user name in ``userinfo`` when it plainly is one (``user:password``), else None."""
    user, colon, _ = userinfo.partition(":")
    return user if colon and (not user or _WORD.fullmatch(user)) else None


def _shown_option(item: str) -> str:
    """One ``name=value`` of a URL's query as a message shows it."""
    name, eq, value = item.partition("=")
    if eq and _WORD.fullmatch(name):
        plain = name.lower() in _PLAIN_OPTIONS and (not value or _WORD.fullmatch(value))
        return item if plain else f"{name}=***"
    return "***"


def redact(url: str) -> str:
    """``url`` for a message: its password, and every query value that could be one, as ``***``.

    ``redis://user:***@host:6379/0``, ``redis://host/0?password=***``, ``unix:///r.sock?password=***``;
    an unencoded '/', '?', '#' or '@' in the password is hidden with it. Never raises.
    """
    parts = _split_url(url)
    out = parts.scheme
    if parts.userinfo is not None:
        user = _user(parts.userinfo)
        out += "***@" if user is None else f"{user}:***@"
    out += parts.rest
    if parts.query is not None:
        out += "?" + "&".join(_shown_option(item) for item in parts.query.split("&"))
    if parts.fragment is not None:
        out += "#***"
    return printable(out, keep_newlines=False)


def _secrets(url: str) -> list[str]:
    """Every part of ``url`` that :func:`redact` hides, and its pieces between delimiters
    (the part of a password a client took for a port, say), longest first."""
    parts = _split_url(url)
    hidden = []
    if parts.userinfo is not None:
        user = _user(parts.userinfo)
        hidden.append(parts.userinfo if user is None else parts.userinfo[len(user) + 1:])
    for item in (parts.query or "").split("&"):
        if _shown_option(item) != item:  # the value, or the whole item when its name is not shown either
            name, eq, value = item.partition("=")
            hidden.append(value if eq and _WORD.fullmatch(name) else item)
    if parts.fragment:
        hidden.append(parts.fragment)
    pieces = {form for text in hidden for piece in (text, *re.split(r"[:/?#@&=;]", text))
              for form in (piece, unquote(piece)) if form}
    return sorted(pieces, key=len, reverse=True)


def _scrub(text: str, url: str) -> str:
    """``text`` (an error message of the Redis client) with every secret of ``url`` as ``***``.

    The client's messages name the host and port it tried, and with an unencoded '#' or
    '?' in a password those come from the password. A piece of six or more characters is
    replaced wherever it occurs; a shorter one where it stands alone (not inside a word).
    """
    for piece in _secrets(url):
        if len(piece) >= 6:
            text = text.replace(piece, "***")
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(piece)}(?![A-Za-z0-9])", "***", text)
    return text


def client_detail(err: BaseException, url: str) -> str:
    """The first line of a Redis client error, without any secret of ``url``, printable."""
    text = str(err)
    first = text.splitlines()[0] if text.strip() else type(err).__name__
    return message_detail(_scrub(first, url))


def redis_params(url: str) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis`` (what datasketch's storage passes on) from a URL:
    ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or ``unix:///path.sock``.

    Every way a URL can be wrong is an :class:`InputError` that shows the URL redacted."""
    try:
        import redis
        from redis.connection import parse_url
    except ImportError:
        raise AlignError("--redis needs the redis client: pip install 'align[redis]'") from None
    try:
        params = dict(parse_url(url))
    except (ValueError, TypeError) as err:
        why = client_detail(err, url)
        raise InputError(f"--redis {redact(url)} is not a Redis URL ({why}); {_URL_HELP}") from None
    cls = params.pop("connection_class", None)
    if cls is not None:
        if cls.__name__ == "SSLConnection":
            params["ssl"] = True
        elif cls.__name__ == "UnixDomainSocketConnection":
            path = params.pop("path", None)
            if not path:
                raise InputError(f"--redis {redact(url)} names no socket; use unix:///PATH.sock")
            params["unix_socket_path"] = path
    import inspect

    accepted = inspect.signature(redis.Redis.__init__).parameters
    unknown = sorted(k for k in params if k not in accepted)
    if unknown:
        raise InputError(f"--redis {redact(url)}: unknown option {unknown[0][:40]!r}; {_URL_HELP}")
    params.setdefault("socket_connect_timeout", 5)
    params.setdefault("socket_timeout", 60)
    return params
