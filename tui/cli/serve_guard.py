"""What `bigram-tui serve` lets in: the Host and Origin of a request, its token, the terminal
size a tab asks for, and the shape of each message a tab sends. Pure functions, stdlib only,
so that they can be tested without a server.

Why each check (issue 17): a browser lets any web page open a websocket to 127.0.0.1:8000, and
a tab's app can write files (the Train pane saves a model). So a websocket is refused unless
  - its Origin is the page's own host and port (pages elsewhere are cross-site hijackers),
  - on a loopback server, its Host is a loopback name (a page that rebinds its DNS name to
    127.0.0.1 makes its Origin match its Host; a loopback Host cannot be such a name), and
  - it carries the server's token, which only whoever saw the printed URL has.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
from typing import Any
from urllib.parse import urlsplit

# A 4K screen with a small font is about 480 x 135 cells; more is a client out to make the
# app paint megabyte frames (2000 x 2000 made 4.4 MB ones).
MAX_COLUMNS, MAX_ROWS = 500, 200
DEFAULT_COLUMNS, DEFAULT_ROWS = 80, 24
MB_PER_SESSION = 300  # one tab's app: Python, torch and the tables, measured at ~285 MB
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class Malformed(ValueError):
    """A tab's message is not one textual-serve's page sends; the text says what is wrong."""


def default_max_sessions() -> int:
    """As many apps as the machine's memory holds at MB_PER_SESSION each, at least one."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this system: a small classroom
        return 4
    return max(1, memory // (MB_PER_SESSION * 1024 * 1024))


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time, so the time a refusal takes tells nothing about the token."""
    if given is None:
        return False
    # compare_digest takes str of ASCII only; a query may hold any character.
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("ascii"))


def _host_and_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    """('localhost', 8000) from 'LocalHost:8000'; None if it is not a host[:port]."""
    try:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname, parts.port  # .port raises on a bad number
    except ValueError:
        return None
    if not host or parts.username is not None or parts.password is not None:
        return None
    if not re.fullmatch(r"[a-z0-9._:%-]+", host.lower()):  # a name or an IP, nothing to quote
        return None
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
        if port is None:
            return None
    return host.lower().rstrip("."), port


def _is_loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def refusal(
    *,
    host: str | None,
    origin: str | None,
    scheme: str,
    given_token: str | None,
    token: str | None,
    loopback_only: bool,
    websocket: bool,
) -> str | None:
    """Why this request is refused (one line, with the way out), or None to let it in.

    `token` is None with --no-token. A request without Origin (not a browser: browsers send it
    on every websocket) is let in only with the token, since nothing else ties it to this
    server's URL.
    """
    own = _host_and_port(host or "", scheme)
    if own is None:
        return "the request has no valid Host header"
    if loopback_only and not _is_loopback_name(own[0]):
        return (
            f"this server listens on loopback only and answers to localhost or 127.0.0.1, "
            f"not {own[0]!r}; open the URL it printed"
        )
    if token is not None and not token_matches(given_token, token):
        what = "no token" if given_token is None else "a wrong token"
        return f"the request has {what}; open the URL the server printed, with its ?token="
    if not websocket:
        return None
    if origin is None:
        if token is None:
            return "a websocket without an Origin header needs the server's token"
        return None
    parts = urlsplit(origin)
    theirs = (
        _host_and_port(parts.netloc, parts.scheme) if parts.scheme in ("http", "https") else None
    )
    if theirs != own:
        return (
            f"a page from {origin[:100]!r} may not use this server; "
            "open the server's own URL instead"
        )
    return None


def clamp_size(columns: Any, rows: Any) -> tuple[int, int]:
    """The terminal size a tab may have: whole numbers, 1 to MAX_COLUMNS x MAX_ROWS."""
    return (
        min(max(columns, 1), MAX_COLUMNS),
        min(max(rows, 1), MAX_ROWS),
    )


def query_size(columns: str | None, rows: str | None) -> tuple[int, int]:
    """The size in a websocket URL's ?width=&height=, clamped; the default where it is odd."""

    def number(text: str | None, default: int) -> int:
        # At most 6 digits: int() of a 100,000-digit string takes seconds, or refuses.
        if text is None or not (text.isascii() and text.isdigit()) or len(text) > 6:
            return default
        return int(text)

    return clamp_size(number(columns, DEFAULT_COLUMNS), number(rows, DEFAULT_ROWS))


def font_size(text: str | None) -> int:
    """The page's ?fontsize=, 6 to 64 pixels; 16 where it is missing or odd."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 3:
        return 16
    return min(max(int(text), 6), 64)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_message(text: str) -> tuple[str, Any]:
    """('stdin', bytes), ('resize', (columns, rows)), ('ping', data), ('blur'|'focus', None).

    Raises Malformed for anything else: textual-serve's own reader assumed the page's shapes,
    and a traceback per odd message would let any tab flood the server's console.
    """
    try:
        envelope = json.loads(text)
    except ValueError:
        raise Malformed("not JSON") from None
    except RecursionError:  # "[[[[..." a few thousand deep
        raise Malformed("nested too deeply") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise Malformed("not a list that starts with a message type")
    kind, rest = envelope[0], envelope[1:]
    if kind == "stdin":
        if len(rest) != 1 or not isinstance(rest[0], str):
            raise Malformed("stdin without its text")
        try:
            return kind, rest[0].encode("utf-8")
        except UnicodeEncodeError:  # JSON may carry a lone surrogate, "\\ud800"
            raise Malformed("stdin text that is not Unicode") from None
    if kind == "resize":
        size = rest[0] if len(rest) == 1 else None
        if not isinstance(size, dict) or not all(
            _whole(size.get(key)) for key in ("width", "height")
        ):
            raise Malformed("resize without a whole width and height")
        return kind, clamp_size(size["width"], size["height"])
    if kind == "ping":
        if len(rest) != 1 or not isinstance(rest[0], str) or len(rest[0]) > 100:
            raise Malformed("ping without its short text")
        return kind, rest[0]
    if kind in ("blur", "focus"):
        return kind, None
    raise Malformed(f"unknown message type {kind[:40]!r}")
