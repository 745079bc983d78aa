"""`bigram-tui serve`: the app in web browsers, one app process per browser tab (textual-serve).

The server runs this same Python's `bigram-tui` for each tab, with the global options
(--data, --seed, --no-mouse, --truecolor) passed on. It binds to loopback unless --host says
otherwise; then it warns that anyone who can reach the port can use the app.

A tab's app can write files, so the server lets in only what serve_guard allows (the page's
own Origin, a loopback Host on a loopback server, the printed URL's token), at most
--max-sessions apps, and a terminal of at most serve_guard.MAX_COLUMNS x MAX_ROWS. Each app runs
in its own process group and is ended, whatever it is doing, once its tab is gone: asked to
quit, then SIGTERM, then SIGKILL.

textual-serve (aiohttp, rich) is imported only inside `run_serve`, so `bigram-tui --help`
stays instant; this module imports neither textual nor torch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
from typing import Any

from . import serve_guard
from .errors import EXIT_INTERRUPTED, PROG, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "bigram-tui"
APP_MODULE = "bigram_tui.tui.cli.main"
SHUTDOWN_SECONDS = 10.0  # for the open tabs' apps to end after Ctrl+C (each takes at most ~4 s)
QUIT_SECONDS = 1.0  # for an app to quit when asked, before SIGTERM
TERM_SECONDS = 2.0  # for an app to end after SIGTERM, before SIGKILL
STDIN_SECONDS = 10.0  # an app that takes no input this long (its 64 KB pipe full) is wedged
SEND_SECONDS = 20.0  # a tab that takes no output this long is gone, even if its TCP is not
CLOSE_SECONDS = 1.0  # for a tab to answer the server's websocket close
MAX_MESSAGE_BYTES = 1024 * 1024  # a paste; textual-serve's page sends keys one message each
TOKEN_BYTES = 24  # 32 URL-safe characters, as many random bits as Jupyter's token

log = logging.getLogger("bigram_tui.serve")


def _sessions(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of sessions from 1, got {text!r}"
        )
    return int(text)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, got {value}")
    return value


def add_serve_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "serve", prog=f"{PROG} serve", help="serve the app to web browsers",
        description="Serve the app to web browsers: each browser tab runs its own app. "
        "Global options given before `serve` (--data, --dev, --test, --stream, --seed, "
        "--no-mouse) are passed on to it.",
    )  # fmt: skip
    # Not the reports' common options: --json has nothing to print here.
    parser.add_argument(
        "--data", metavar="PATH", help="word list of every tab's app (default: as for the app)"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--max-sessions",
        type=_sessions,
        metavar="N",
        help=f"at most N browser tabs at once, each an app of about {serve_guard.MB_PER_SESSION} "
        f"MB (default {serve_guard.default_max_sessions()}: what this machine's memory holds)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="serve without the URL's secret token: anyone who can reach the port can use the app",
    )


def app_command(args: argparse.Namespace) -> str:
    """The shell command the server runs for each browser tab."""
    argv = [sys.executable, "-m", APP_MODULE]
    from bigram_tui.core.session import check_readable  # the session module loads no torch

    data = args.data if args.data is not None else args.app_data
    if data is not None:
        # Checked once here, rather than as an error page in every student's tab.
        argv += ["--data", os.path.abspath(check_readable(data))]
    if args.app_seed is not None:
        argv += ["--seed", str(args.app_seed)]
    if args.app_order is not None:
        argv += ["--order", str(args.app_order)]
    if args.app_load is not None:
        argv += ["--load", os.path.abspath(args.app_load)]
    for flag, path in (("--dev", args.app_dev), ("--test", args.app_test)):
        if path is not None:  # NG's pre-split files, as for the app itself
            argv += [flag, os.path.abspath(check_readable(path))]
    argv += ["--stream"] if args.app_stream else []
    argv += [
        flag
        for flag, given in (("--no-mouse", args.no_mouse), ("--truecolor", args.truecolor))
        if given
    ]
    # textual-serve runs it with /bin/sh; `exec` makes the app the server's own child.
    return "exec " + shlex.join(argv)


def _addresses(host: str, port: int) -> list[Any]:
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(
            f"cannot listen on host {host!r} ({reason}); give an address of this machine "
            f"with --host, such as {DEFAULT_HOST}"
        ) from None


def _is_loopback(addresses: list[Any]) -> bool:
    return all(
        ipaddress.ip_address(address[4][0].split("%")[0]).is_loopback for address in addresses
    )


def _check_can_listen(host: str, port: int, addresses: list[Any]) -> None:
    """Bind each address once, so a busy port is one line here, not a traceback from aiohttp."""
    for family, kind, proto, _name, address in addresses:
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
                probe.bind(address)
        except OSError as exc:
            raise _listen_error(host, port, exc) from None


def _listen_error(host: str, port: int, exc: OSError) -> UsageError:
    if exc.errno == errno.EADDRINUSE:
        return UsageError(f"port {port} is in use on {host}; choose another with --port N")
    if exc.errno == errno.EACCES:
        return UsageError(
            f"port {port} needs privileges on {host}; choose one above 1023 with --port N"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return UsageError(
            f"{host} is not an address of this machine; give one with --host, "
            f"such as {DEFAULT_HOST}"
        )
    return UsageError(
        f"cannot listen on {host} port {port} ({exc.strerror or exc}); try another --host or --port"
    )


def _url(host: str, port: int, token: str | None = None) -> str:
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_unspecified:
            host = socket.gethostname()  # 0.0.0.0 is where it listens, not where to go
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    return url if token is None else f"{url}/?token={token}"


def run_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; bad options raise UsageError before anything listens."""
    command = app_command(args)
    addresses = _addresses(args.host, args.port)
    _check_can_listen(args.host, args.port, addresses)
    loopback = _is_loopback(addresses)
    if not loopback:
        print(
            f"{PROG}: warning: anyone who can reach port {args.port} of this machine can use the "
            f"app and its CPU; serve on {DEFAULT_HOST} to keep it to this machine",
            file=sys.stderr,
        )
    token = None if args.no_token else secrets.token_urlsafe(TOKEN_BYTES)
    if token is None:
        who = "every user and program of this machine" if loopback else "anyone who can reach it"
        print(
            f"{PROG}: warning: with --no-token, {who} can use the app on port {args.port} "
            "(web pages of other sites still cannot); drop --no-token to require the URL's token",
            file=sys.stderr,
        )
    max_sessions = args.max_sessions or serve_guard.default_max_sessions()
    server = _server_class()(
        command, host=args.host, port=args.port, title=TITLE,
        token=token, loopback_only=loopback, max_sessions=max_sessions,
    )  # fmt: skip
    # An app transport the loop did not close would print "Event loop is closed" with a
    # traceback from its __del__ at exit; every app is ended and waited for, so this only
    # keeps a surprise to one line.
    sys.unraisablehook = _one_line_unraisable
    server.serve()
    return EXIT_INTERRUPTED  # serve() returns only once Ctrl+C (or SIGTERM, SIGHUP) stopped it


def _summary(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line_unraisable(unraisable: Any) -> None:
    if unraisable.exc_value is not None and sys.stderr is not None:
        print(f"{PROG}: serve: ignored {_summary(unraisable.exc_value)}", file=sys.stderr)


class _OneLine(logging.Formatter):
    """`bigram-tui: warning: ...`, and an exception as its one-line summary, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text} ({_summary(record.exc_info[1])})"
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        if text.startswith(level):  # our own lines say it themselves
            level = ""
        return f"{PROG}: {level}{text}"


def _die_with_server() -> Any:
    """A preexec_fn that SIGKILLs the app if the server dies (even by SIGKILL), on Linux.

    Without it, an app whose server was killed keeps running with PPID 1. Looked up here, in the
    server, so that the child between fork and exec only makes one system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    server = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != server:  # the server died before prctl took effect
            os._exit(1)

    return preexec


def _server_class() -> type:
    # Imported here: aiohttp takes a moment to import, and `bigram-tui --help` should not.
    import aiohttp_jinja2
    from aiohttp import WSCloseCode, WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    preexec = _die_with_server()

    class TabApp(AppService):
        """One tab's app process: its own process group, and ended for sure once its tab is gone.

        textual-serve's AppService stops an app by sending it "quit" and waiting for it forever;
        an app that no longer reads its input (a bad key sequence kills Textual's input thread)
        or is blocked writing a frame nobody reads never ends, and stays after the server too.
        """

        def __init__(self, command: str, websocket: Any, request: Any, downloads: Any) -> None:
            super().__init__(
                command,
                write_bytes=self._to_tab,
                write_str=self._text_to_tab,
                close=self._close_tab,
                download_manager=downloads,
            )
            self.websocket = websocket
            self.request = request
            self.gone = False  # the tab: nothing more is sent to it, its app's output is dropped

        async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
            # As textual-serve's, but in a session of its own: the server's Ctrl+C does not
            # reach it (the server ends it, in order), and killpg reaches whatever it started.
            self._process = process = await asyncio.create_subprocess_shell(
                self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._build_environment(width=width, height=height),
                start_new_session=True,
                preexec_fn=preexec,
            )
            assert process.stdin is not None
            self._stdin = process.stdin
            return process

        @property
        def task(self) -> asyncio.Task[None] | None:
            """What reads the app's output; it ends when the app's stdout does."""
            return self._task

        def _tab_gone(self) -> None:
            self.gone = True
            if self.request.transport is not None:
                self.request.transport.abort()  # wakes the reader of a tab that stopped reading

        async def _to_tab(self, data: bytes) -> None:
            # Dropped once the tab is gone, so that the app's output is still read while it
            # quits: an app blocked writing to a full pipe would never read "quit".
            if self.gone:
                return
            try:
                await asyncio.wait_for(self.websocket.send_bytes(data), SEND_SECONDS)
            except TimeoutError:
                log.warning(
                    "warning: a browser tab took no output for %g s; ending its app", SEND_SECONDS
                )
                self._tab_gone()
            except (ConnectionError, RuntimeError):  # the tab closed meanwhile
                self.gone = True

        async def _text_to_tab(self, text: str) -> None:
            if self.gone:
                return
            try:
                await asyncio.wait_for(self.websocket.send_str(text), SEND_SECONDS)
            except (TimeoutError, ConnectionError, RuntimeError):
                self._tab_gone()

        async def _close_tab(self) -> None:  # the app quit (ctrl+q): the page says so
            if not self.gone:
                self.gone = True
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.websocket.close(), CLOSE_SECONDS)

        async def to_app(self, data: bytes) -> bool:
            """Input for the app; False if it took none for STDIN_SECONDS (it is wedged)."""
            try:
                await asyncio.wait_for(self.send_bytes(data), STDIN_SECONDS)
            except TimeoutError:
                return False
            return True

        async def meta_to_app(self, meta: dict[str, Any]) -> bool:
            try:
                await asyncio.wait_for(self.send_meta(meta), STDIN_SECONDS)
            except TimeoutError:
                return False
            return True

        async def stop(self) -> None:
            await self.end()

        async def end(self) -> None:
            """Ask the app to quit, then SIGTERM, then SIGKILL; return once it is reaped."""
            self.gone = True
            process = self._process
            if process is None:
                return
            with contextlib.suppress(Exception):
                await self._download_manager.cancel_app_downloads(
                    app_service_id=self.app_service_id
                )
            if process.returncode is None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_SECONDS / 2)
            with contextlib.suppress(Exception):
                assert process.stdin is not None
                process.stdin.close()  # EOF too; and the transport can close once it is reaped
            for signum, seconds in (
                (None, QUIT_SECONDS),
                (signal.SIGTERM, TERM_SECONDS),
                (signal.SIGKILL, None),
            ):
                if process.returncode is not None:
                    break
                if signum is not None:
                    self._signal(process, signum)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), seconds)
            # Its output reader ends at the EOF of a dead process (and its group); whatever it
            # failed with has no one left to tell but this.
            if self._task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(self._task, CLOSE_SECONDS)
                self._task = None

        @staticmethod
        def _signal(process: Any, signum: int) -> None:
            # Not yet reaped (returncode is None), so its pid, and its group's, are still its own.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)

    class BrowserServer(Server):
        """textual-serve's server, guarded, quieter, with URLs that follow the address used."""

        def __init__(
            self,
            *args: Any,
            token: str | None,
            loopback_only: bool,
            max_sessions: int,
            **kwargs: Any,
        ) -> None:
            super().__init__(*args, **kwargs)
            self.token = token
            self.loopback_only = loopback_only
            self.max_sessions = max_sessions
            self._tabs: set[asyncio.Task[Any]] = set()
            self._apps: set[TabApp] = set()  # from before its start until it is reaped

        def initialize_logging(self) -> None:
            # textual-serve's rich handler prints tracebacks with locals and wraps lines at
            # 80 columns; every log line here is one line on stderr, as the CLI's errors are.
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(_OneLine())
            root = logging.getLogger()
            root.handlers[:] = [handler]
            root.setLevel(logging.INFO)
            # One line per HTTP request would bury the line that says where to go.
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            # The token is in the websocket's path: textual-serve's page appends its own
            # "?width=..&height=.." to the URL it is given, so a query there would be mangled.
            app.router.add_get("/ws/{token}", self.handle_websocket)
            return app

        async def on_startup(self, app: Any) -> None:
            loop = asyncio.get_running_loop()
            # A closed terminal (SIGHUP) ends the apps too, as Ctrl+C does.
            with contextlib.suppress(NotImplementedError, AttributeError):
                loop.add_signal_handler(signal.SIGHUP, self.request_exit)
            loop.set_exception_handler(self._loop_error)
            print(
                f"{PROG}: serving the app on {_url(self.host, self.port, self.token)} "
                "(one app per browser tab); Ctrl+C stops",
                flush=True,
            )

        @staticmethod
        def _loop_error(loop: Any, context: dict[str, Any]) -> None:
            exc = context.get("exception")
            detail = f" ({_summary(exc)})" if exc is not None else ""
            log.error("error: %s%s", context.get("message", "asyncio error"), detail)

        def _refusal(self, request: web.Request, websocket: bool) -> str | None:
            return serve_guard.refusal(
                host=request.headers.get("Host"),
                origin=request.headers.get("Origin"),
                scheme=request.scheme,
                given_token=request.match_info.get("token", request.query.get("token")),
                token=self.token,
                loopback_only=self.loopback_only,
                websocket=websocket,
            )

        def _full(self) -> str | None:
            if len(self._apps) < self.max_sessions:
                return None
            return (
                f"all {self.max_sessions} sessions are in use; close another tab, "
                "or restart the server with a higher --max-sessions"
            )

        @staticmethod
        def _refused_page(status: int, reason: str) -> web.Response:
            # Plain text: nothing of the request is ever read as HTML.
            return web.Response(
                status=status,
                text=f"{PROG}: {reason}\n",
                headers={"Cache-Control": "no-store"},
            )

        async def handle_index(self, request: web.Request) -> Any:
            if (reason := self._refusal(request, websocket=False)) is not None:
                return self._refused_page(403, reason)
            if (reason := self._full()) is not None:
                return self._refused_page(503, reason)
            # The page's websocket and static URLs follow the address the browser used: a
            # student who reached a 0.0.0.0 server by the teacher's address gets it back.
            base = f"{request.scheme}://{request.host}"
            socket_path = "/ws" if self.token is None else f"/ws/{self.token}"
            socket_scheme = "wss" if request.scheme == "https" else "ws"
            context = {
                "font_size": serve_guard.font_size(request.query.get("fontsize")),
                "app_websocket_url": f"{socket_scheme}://{request.host}{socket_path}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            # The URL holds the token: no Referer carries it to the page's font host, no cache
            # keeps it, and no other site may frame the page to catch its keys.
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["Cache-Control"] = "no-store"
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            return response

        async def handle_websocket(self, request: web.Request) -> Any:
            # Refused before the upgrade, so no app process ever starts for a foreign page.
            if (reason := self._refusal(request, websocket=True)) is not None:
                return self._refused_page(403, reason)
            width, height = serve_guard.query_size(
                request.query.get("width"), request.query.get("height")
            )
            websocket = web.WebSocketResponse(
                heartbeat=15, timeout=CLOSE_SECONDS, max_msg_size=MAX_MESSAGE_BYTES
            )
            tab = asyncio.current_task()
            assert tab is not None
            self._tabs.add(tab)
            app: TabApp | None = None
            try:
                await websocket.prepare(request)
                if (reason := self._full()) is not None:
                    # The page shows what arrives as terminal output; the close says it too.
                    with contextlib.suppress(Exception):
                        await websocket.send_bytes(f"{PROG}: {reason}\r\n".encode())
                        await websocket.close(
                            code=WSCloseCode.TRY_AGAIN_LATER, message=reason.encode()[:123]
                        )
                    return websocket
                app = TabApp(self.command, websocket, request, self.download_manager)
                self._apps.add(app)
                await app.start(width, height)
                reader = asyncio.create_task(self._read_tab(websocket, app))
                ended = {reader} if app.task is None else {reader, app.task}
                try:
                    # Until the tab closes, or the app ends (ctrl+q, a crash).
                    await asyncio.wait(ended, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await reader
            except asyncio.CancelledError:
                pass  # the server is stopping: the app is ended below
            except Exception as exc:
                log.error("error: a browser tab's session failed (%s)", _summary(exc))
            finally:
                if app is not None:
                    await app.end()
                    self._apps.discard(app)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(websocket.close(), CLOSE_SECONDS)
                self._tabs.discard(tab)
            return websocket

        async def _read_tab(self, websocket: web.WebSocketResponse, app: TabApp) -> None:
            warned = False
            async for message in websocket:
                if message.type == WSMsgType.ERROR:
                    break
                if message.type != WSMsgType.TEXT:
                    continue  # the page sends text only
                try:
                    kind, value = serve_guard.parse_message(message.data)
                except serve_guard.Malformed as exc:
                    # One line per tab, not per message: a tab must not flood the console.
                    if not warned:
                        log.warning(
                            "warning: ignored a malformed message from a browser tab (%s), "
                            "and will ignore any more from it",
                            exc,
                        )
                        warned = True
                    continue
                if kind == "stdin":
                    taken = await app.to_app(value)
                elif kind == "resize":
                    taken = await app.meta_to_app(
                        {"type": "resize", "width": value[0], "height": value[1]}
                    )
                elif kind in ("blur", "focus"):
                    taken = await app.meta_to_app({"type": kind})
                else:  # ping
                    taken = True
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(websocket.send_json(["pong", value]), SEND_SECONDS)
                if not taken:
                    log.warning(
                        "warning: a browser tab's app took no input for %g s; ending it",
                        STDIN_SECONDS,
                    )
                    return

        async def on_shutdown(self, app: Any) -> None:
            # Otherwise aiohttp waits for each open tab to close itself, 60 s at most. Each
            # cancelled tab ends its app (quit, SIGTERM, SIGKILL) and waits for it.
            for tab in self._tabs:
                tab.cancel()
            if self._tabs:
                await asyncio.wait(self._tabs, timeout=SHUTDOWN_SECONDS)
            for left in list(self._apps):  # a tab stuck past all that: no app outlives us
                process = left._process
                if process is not None and process.returncode is None:
                    left._signal(process, signal.SIGKILL)
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(process.wait(), CLOSE_SECONDS)

    return BrowserServer
