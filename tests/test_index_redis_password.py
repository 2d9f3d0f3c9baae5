"""A Redis URL carrying a password: the password never reaches stdout or stderr.

In any form a URL can carry it (``user:pw@``, an unencoded ``/``, ``#`` or ``?`` inside it,
``?password=``, a unix socket's query), whether the server is unreachable, the URL is
broken or the index works. The helpers: ``tests/index_hostile_support.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.errors import InputError
from align.index.redis_url import redact, redis_params
from tests.index_hostile_support import ARTICLES, SAMPLE, _cli, _one_line_error, _reprint
from tests.index_support import REDIS_URL, needs_redis


# --- item 4: a Redis password never shows --------------------------------------------------

#: URLs whose password must never be printed, with the pieces of it that must not show.
_SECRET_URLS = [
    ("redis://:hunter2/swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://:hunter2#swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://user:hunter2?swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://localhost:1/0?password=hunter2", ("hunter2",)),
    ("redis://localhost:1/0?db=0&password=hunter2&socket_timeout=3", ("hunter2",)),
    ("unix:///nonexistent/align-test.sock?password=hunter2", ("hunter2",)),
    ("redis://user:hunter2@localhost:abc/0", ("hunter2",)),  # and a port that is not a number
    ("redis://:hunter2@[::1/0", ("hunter2",)),  # and a broken IPv6 address
    # an unencoded '#' cuts this password where a port could be: the client then connects to
    # localhost:1999, and its "Error 111 connecting to localhost:1999" must not show it either
    ("redis://localhost:1999#swordfish@elsewhere/0", ("1999", "swordfish")),
]


@pytest.mark.parametrize("url,secrets", _SECRET_URLS, ids=[u for u, _ in _SECRET_URLS])
def test_a_redis_password_is_never_printed_by_add_or_query(url: str, secrets: tuple[str, ...], tmp_path: Path) -> None:
    for command in ("add", "query"):
        done = _cli(command, SAMPLE, "--redis", url, cwd=tmp_path)
        err = _one_line_error(done)
        for secret in secrets:
            assert secret not in err, (command, err)
        assert "Redis" in err or "--redis" in err, err


def test_a_port_that_is_not_a_number_is_an_input_error_even_with_a_password() -> None:
    for url in ("redis://host:abc/0", "redis://:hunter2@host:abc/0", "redis://u:hunter2@host:99999999/0"):
        with pytest.raises(InputError) as err:
            redis_params(url)
        message = str(err.value)
        assert "is not a Redis URL" in message and "\n" not in message and "hunter2" not in message, message


def test_redact_hides_the_password_in_every_form_and_never_raises() -> None:
    cases = {
        "redis://user:hunter2@host:6379/0": "redis://user:***@host:6379/0",
        "redis://:hunter2@host:6379/0": "redis://:***@host:6379/0",
        "redis://:pa/ss@host:6379/0": "redis://:***@host:6379/0",
        "redis://:pa#ss@host/0": "redis://:***@host/0",
        "redis://u:p?w@h/0": "redis://u:***@h/0",
        "redis://u:p@ss@h/0": "redis://u:***@h/0",
        "redis://host:6379/0?password=secret": "redis://host:6379/0?password=***",
        "redis://host:6379/0?db=1&password=secret": "redis://host:6379/0?db=1&password=***",
        "unix:///tmp/r.sock?password=secret": "unix:///tmp/r.sock?password=***",
        "redis://host:abc/0": "redis://host:abc/0",
        "redis://:secret@host:abc/0": "redis://:***@host:abc/0",
        "redis://host/0#secret": "redis://host/0#***",
        "redis://host:6379/0": "redis://host:6379/0",
        "redis://secret@host/0": "redis://***@host/0",  # a lone user part may be a password: hidden too
    }
    for url, shown in cases.items():
        assert redact(url) == shown, url
    for url in ("redis://:secret@[::1/0", "redis://:secret\n@host/0", "redis://h/0?secret",
                "redis://h/0?db=0;password=secret",
                "redis://h/0?x=1;password=secret", "redis://h/0?pass%77ord=secret"):
        out = redact(url)
        assert "secret" not in out and "\n" not in out, (url, out)


@needs_redis
def test_a_password_in_the_query_is_not_printed_when_the_index_works(tmp_path: Path, redis_name: str) -> None:
    """A server that answers: the location in the report must not carry the password either."""
    url = REDIS_URL + ("&" if "?" in REDIS_URL else "?") + "password=hunter2"
    added = _cli("add", str(ARTICLES[1]), "--redis", url, "--name", redis_name, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert b"hunter2" not in added.stdout + added.stderr and b"password=***" in added.stdout
    for extra in ((), ("--json",)):
        found = _cli("query", str(_reprint(tmp_path)), "--redis", url, "--name", redis_name, *extra, cwd=tmp_path)
        assert found.returncode == 0, found.stderr
        assert b"hunter2" not in found.stdout + found.stderr and b"password=***" in found.stdout
    report = json.loads(found.stdout)
    assert len(report["documents"][0]["matches"]) == 1  # the index did answer
