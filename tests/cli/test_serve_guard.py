"""What `bigram-tui serve` lets in, and that no app outlives its tab or the server (issue 17).

Real `bigram-tui serve` processes on free loopback ports, driven by aiohttp's websocket client
as a browser tab (or an attacker's page) would. The app processes are found through /proc.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bigram_tui.tui.cli import serve, serve_guard
from tests.cli.test_serve import (
    APP_TIMEOUT,
    EXIT_TIMEOUT,
    Served,
    app_processes,
    get_page,
    needs_proc,
    origin,
    running_server,
    tab_url,
    wait_for,
)

aiohttp = pytest.importorskip("aiohttp")

GONE_TIMEOUT = 8.0  # a gone tab's app: asked to quit (1 s), SIGTERM (2 s), SIGKILL
# Makes Textual's input thread die (issue 17 item 7): the app then reads no more input, so
# it never sees the "quit" textual-serve sends it.
DEAFENING_KEY = "\x1b[1114112u"


def wrong_token(token: str) -> str:
    """The token with its first character changed: always another token (a random one could
    begin with the very character put there, 1 time in 64)."""
    return ("y" if token[0] == "x" else "x") + token[1:]


def still_an_app(pid: int) -> bool:
    """The process is there, not a zombie, and runs the app (whoever its parent is now)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return state != "Z" and serve.APP_MODULE.encode() in cmdline


def environment(pid: int) -> dict[str, str]:
    """The app's environment, where textual-serve passes the size.

    Waited for: the server's child is first a fork of the server (its command line and its
    environment), then /bin/sh, and only then, exec'd by sh, the app.
    """

    def exec_d() -> bytes | None:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        app = cmdline.startswith(sys.executable.encode()) and b"TEXTUAL_DRIVER=" in environ
        return environ if app else None

    pairs = wait_for(exec_d, APP_TIMEOUT, "the app's exec").split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


async def refused_status(url: str, *, origin: str | None, host: str | None = None) -> int | None:
    """The HTTP status that refused the websocket handshake; None if it was let in."""
    headers = {"Host": host} if host is not None else {}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin, headers=headers) as tab:
                await tab.close()
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
    return None


async def first_frame(tab: aiohttp.ClientWebSocketResponse) -> bytes:
    message = await tab.receive(timeout=APP_TIMEOUT)
    assert message.type == aiohttp.WSMsgType.BINARY, message  # the app painted
    return message.data


def stop(served: Served, signum: int = signal.SIGTERM) -> tuple[str, str]:
    """The signal to the server alone (as `kill` or systemd sends it); its stdout and stderr."""
    served.server.send_signal(signum)
    return served.server.communicate(timeout=EXIT_TIMEOUT)


# --- the rules, without a server ---------------------------------------------------------


def rule(**overrides: object) -> str | None:
    request: dict[str, object] = {
        "host": "127.0.0.1:8000",
        "origin": "http://127.0.0.1:8000",
        "scheme": "http",
        "given_token": "T" * 32,
        "token": "T" * 32,
        "loopback_only": True,
        "websocket": True,
    }
    request.update(overrides)
    return serve_guard.refusal(**request)  # type: ignore[arg-type]


def test_the_rules_let_in_only_the_servers_own_page_with_its_token():
    assert rule() is None
    assert rule(host="localhost:8000", origin="http://LOCALHOST:8000") is None
    assert rule(host="[::1]:8000", origin="http://[::1]:8000") is None
    assert rule(origin=None) is None  # not a browser, but it has the token
    assert rule(token=None, given_token=None) is None  # --no-token, the page's own Origin
    assert rule(websocket=False, origin=None) is None  # the page itself
    classroom = {"host": "teacher.example:8000", "origin": "http://teacher.example:8000"}
    assert rule(loopback_only=False, **classroom) is None

    refused = {
        "a foreign page": rule(origin="http://evil.example"),
        "another port": rule(origin="http://127.0.0.1:8001"),
        "another loopback name": rule(origin="http://localhost:8000"),
        "a sandboxed page": rule(origin="null"),
        "a file": rule(origin="file://"),
        "no token": rule(given_token=None),
        "a wrong token": rule(given_token="T" * 31 + "U"),
        "a non-ASCII token": rule(given_token="T" * 31 + "é"),
        "the page without its token": rule(websocket=False, given_token=None),
        "DNS rebinding": rule(host="evil.example:8000", origin="http://evil.example:8000"),
        "no Origin and no token": rule(token=None, given_token=None, origin=None),
        "--no-token, a foreign page": rule(token=None, given_token=None, origin="http://e.xyz"),
        "no Host": rule(host=None),
        "a Host to quote": rule(loopback_only=False, host='a"b:8000', origin='http://a"b:8000'),
    }
    assert all(refused.values()), [what for what, reason in refused.items() if not reason]
    assert all("\n" not in reason for reason in refused.values() if reason)


def test_sizes_are_clamped_and_odd_numbers_take_the_default():
    assert serve_guard.query_size("2000", "2000") == (500, 200)
    assert serve_guard.query_size("0", "0") == (1, 1)
    assert serve_guard.query_size("120", "40") == (120, 40)
    assert serve_guard.query_size("x", "-5") == (80, 24)
    assert serve_guard.query_size("9" * 100_000, None) == (80, 24)  # no 100,000-digit int()
    assert serve_guard.parse_message('["resize", {"width": 99999, "height": -3}]') == (
        "resize",
        (500, 1),
    )


@pytest.mark.parametrize(
    "text",
    [
        "{{{not json",
        '["stdin"]',
        '["stdin", 5]',
        '["stdin", "\\ud800"]',
        '["resize", {"width": "x"}]',
        '["resize", {"width": true, "height": 3}]',
        '["resize"]',
        "[]",
        "null",
        "[5]",
        '["ping", {"a": 1}]',
        '["launch", "missiles"]',
        "[" * 100_000,
    ],
)
def test_a_malformed_message_is_named_not_raised(text: str):
    with pytest.raises(serve_guard.Malformed):
        serve_guard.parse_message(text)


def test_the_page_messages_are_understood():
    assert serve_guard.parse_message('["stdin", "q"]') == ("stdin", b"q")
    assert serve_guard.parse_message('["ping", "1700000000000"]') == ("ping", "1700000000000")
    assert serve_guard.parse_message('["focus"]') == ("focus", None)


def test_the_default_session_cap_follows_the_memory():
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    expected = max(1, memory // (serve_guard.MB_PER_SESSION * 1024 * 1024))
    assert serve_guard.default_max_sessions() == expected >= 1


# --- a real server -------------------------------------------------------------------------


@needs_proc
def test_a_foreign_page_or_a_missing_or_wrong_token_starts_no_app(names_path: Path):
    async def attempts(served: Served) -> dict[str, int | None]:
        port, token, own = served.port, served.token, origin(served.port)
        right = tab_url(served)
        return {
            "a foreign Origin": await refused_status(right, origin="http://evil.example"),
            "another port's Origin": await refused_status(right, origin=origin(port + 1)),
            "a sandboxed page": await refused_status(right, origin="null"),
            "no token": await refused_status(
                f"http://127.0.0.1:{port}/ws?width=80&height=24", origin=own
            ),
            "a wrong token": await refused_status(
                right.replace(str(token), wrong_token(str(token))), origin=own
            ),
            "no Origin and no token": await refused_status(
                f"http://127.0.0.1:{port}/ws", origin=None
            ),
            "DNS rebinding": await refused_status(
                right, origin=f"http://evil.example:{port}", host=f"evil.example:{port}"
            ),
        }

    async def the_right_tab(served: Served) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(tab_url(served), origin=origin(served.port)) as tab,
        ):
            await first_frame(tab)
            assert len(app_processes(served.server.pid)) == 1

    with running_server(names_path) as served:
        port, token = served.port, served.token
        statuses = asyncio.run(attempts(served))
        pages = {
            "no token": get_page(port, "/", f"127.0.0.1:{port}"),
            "a wrong token": get_page(port, "/?token=nope", f"127.0.0.1:{port}"),
            "DNS rebinding": get_page(port, f"/?token={token}", f"evil.example:{port}"),
        }
        time.sleep(1.0)  # an app started by a handshake that got through would be there now
        started = app_processes(served.server.pid)
        asyncio.run(the_right_tab(served))  # and yet the page's own tab works
        out, err = stop(served)

    assert statuses == dict.fromkeys(statuses, 403)
    assert not started, "a refused websocket started an app"
    for what, (status, _headers, text) in pages.items():
        assert status == 403, what
        assert str(token) not in text and text.startswith("bigram-tui: "), text
        assert text.count("\n") == 1, text
    assert "Traceback" not in out + err


@needs_proc
def test_no_token_is_a_warned_choice_and_still_refuses_other_sites(names_path: Path):
    async def attempts(served: Served) -> dict[str, int | None]:
        return {
            "a foreign Origin": await refused_status(tab_url(served), origin="http://evil.example"),
            "no Origin": await refused_status(tab_url(served), origin=None),
        }

    with running_server(names_path, "--no-token") as served:
        port = served.port
        statuses = asyncio.run(attempts(served))
        status, _headers, page = get_page(port, "/", f"127.0.0.1:{port}")
        _out, err = stop(served)
    assert served.token is None and served.url == f"http://127.0.0.1:{port}"
    assert statuses == dict.fromkeys(statuses, 403)
    assert status == 200 and f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    (warning,) = err.splitlines()
    assert (
        warning.startswith("bigram-tui: warning: with --no-token") and "drop --no-token" in warning
    )


@needs_proc
def test_a_session_past_max_sessions_is_refused_and_says_why(names_path: Path):
    async def over_the_cap(served: Served) -> tuple[list[aiohttp.WSMessage], int]:
        port = served.port
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(tab_url(served), origin=origin(port)) as first:
                await first_frame(first)
                (app,) = app_processes(served.server.pid)
                page = get_page(port, f"/?token={served.token}", f"127.0.0.1:{port}")
                assert page[0] == 503 and "--max-sessions" in page[2], page
                async with session.ws_connect(tab_url(served), origin=origin(port)) as second:
                    said = [await second.receive(timeout=10) for _ in range(2)]
                    assert second.close_code == aiohttp.WSCloseCode.TRY_AGAIN_LATER
                assert app_processes(served.server.pid) == {app}
            # Its tab closed, the first app ends and frees its place.
            await asyncio.to_thread(
                wait_for, lambda: not app_processes(served.server.pid), GONE_TIMEOUT, "the app"
            )
            async with session.ws_connect(tab_url(served), origin=origin(port)) as third:
                await first_frame(third)
        return said, app

    with running_server(names_path, "--max-sessions", "1") as served:
        (shown, closed), _app = asyncio.run(over_the_cap(served))
        out, err = stop(served)
    assert shown.type == aiohttp.WSMsgType.BINARY  # the page shows it in the terminal
    assert b"all 1 sessions are in use" in shown.data and b"--max-sessions" in shown.data
    assert closed.type == aiohttp.WSMsgType.CLOSE and "--max-sessions" in closed.extra
    assert "Traceback" not in out + err


@needs_proc
def test_a_tab_that_goes_away_leaves_no_app(names_path: Path):
    """A tab that asked for 2000x2000 and dropped its frames, and one that deafened its app."""

    async def tabs_that_go(served: Served) -> tuple[set[int], dict[str, str], float]:
        pid = served.server.pid
        dropping = aiohttp.ClientSession()
        # Never read: the app's first frames fill the pipes, as a vanished tab's do.
        big_tab = await dropping.ws_connect(
            tab_url(served, "width=2000&height=2000"), origin=origin(served.port)
        )
        (big,) = await asyncio.to_thread(
            wait_for, lambda: app_processes(pid), APP_TIMEOUT, "the big tab's app"
        )
        size = environment(big)
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(tab_url(served), origin=origin(served.port)) as deaf:
                await first_frame(deaf)
                await deaf.send_json(["stdin", DEAFENING_KEY])
                await asyncio.sleep(0.5)
                apps = app_processes(pid)
                assert len(apps) == 2
                await dropping.close()  # its TCP connection closed, no websocket goodbye
                del big_tab  # kept until now: once collected, it would close its connection
            went = time.monotonic()
            await asyncio.to_thread(
                wait_for,
                lambda: not any(still_an_app(app) for app in apps),
                GONE_TIMEOUT,
                "the apps of the closed tabs to end",
            )
        return apps, size, time.monotonic() - went

    with running_server(names_path) as served:
        _apps, size, seconds = asyncio.run(tabs_that_go(served))
        assert served.server.poll() is None  # the server goes on for other tabs
        _out, err = stop(served)
    assert (size["COLUMNS"], size["ROWS"]) == ("500", "200")  # clamped
    assert seconds < GONE_TIMEOUT
    assert "Traceback" not in err


@needs_proc
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stopping_the_server_ends_every_app_and_waits_for_it(names_path: Path, signum: int):
    async def two_tabs_then_stop(served: Served) -> tuple[set[int], str, str, float]:
        async with aiohttp.ClientSession() as session:
            tabs = [
                await session.ws_connect(tab_url(served), origin=origin(served.port))
                for _ in range(2)
            ]
            for tab in tabs:
                await first_frame(tab)
            await tabs[0].send_json(["stdin", DEAFENING_KEY])  # one app that will not quit
            await asyncio.sleep(0.5)
            apps = app_processes(served.server.pid)
            assert len(apps) == 2
            started = time.monotonic()
            out, err = await asyncio.to_thread(stop, served, signum)
            return apps, out, err, time.monotonic() - started

    with running_server(names_path) as served:
        apps, out, err, seconds = asyncio.run(two_tabs_then_stop(served))
    assert served.server.returncode == 130, (out, err)
    lingering = [app for app in apps if still_an_app(app)]
    assert not lingering, f"apps left running, reparented: {lingering}"
    assert seconds < serve.SHUTDOWN_SECONDS
    assert "Traceback" not in out + err and "Event loop is closed" not in out + err
    assert err == "", err


@needs_proc
def test_malformed_messages_are_one_line_and_never_a_traceback(names_path: Path):
    malformed = [
        "{{{not json",
        '["stdin"]',
        '["stdin", 5]',
        '["resize", {"width": "x"}]',
        '["resize", {"width": 1e400, "height": 2}]',
        '["stdin", "\\ud800"]',
        "[]",
        "[" * 50_000,
    ]

    async def send_junk(served: Served) -> bytes:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(tab_url(served), origin=origin(served.port)) as tab,
        ):
            await first_frame(tab)
            for text in malformed:
                await tab.send_str(text)
            await tab.send_bytes(b"\xff\x00 binary")
            await tab.send_json(["stdin", "2"])  # the Word pane: the app still listens
            deadline = time.monotonic() + APP_TIMEOUT
            screen = b""
            while b"andrejq" not in screen and time.monotonic() < deadline:
                message = await tab.receive(timeout=APP_TIMEOUT)
                assert message.type == aiohttp.WSMsgType.BINARY, message
                screen += message.data
            return screen

    with running_server(names_path) as served:
        screen = asyncio.run(send_junk(served))
        out, err = stop(served, signal.SIGINT)
    assert b"andrejq" in screen
    assert "Traceback" not in out + err and "Event loop is closed" not in out + err
    (line,) = err.splitlines()  # one for the tab, however many it sent
    assert line.startswith("bigram-tui: warning: ignored a malformed message"), line
