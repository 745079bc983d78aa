"""`bigram-tui serve`: the app in web browsers, one app process per browser tab (textual-serve).

The server runs this same Python's `bigram-tui` for each tab, with the global options
(--data, --seed, --no-mouse, --truecolor) passed on. It binds to loopback unless --host says
otherwise; then it warns that anyone who can reach the port can use the app.

textual-serve (aiohttp, rich) is imported only inside `run_serve`, so `bigram-tui --help`
stays instant; this module imports neither textual nor torch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import os
import shlex
import socket
import sys
from typing import Any

from .errors import EXIT_INTERRUPTED, PROG, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "bigram-tui"
APP_MODULE = "bigram_tui.tui.cli.main"
SHUTDOWN_SECONDS = 10.0  # for the open tabs' apps to quit after Ctrl+C


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
        "Global options given before `serve` (--data, --seed, --no-mouse) are passed on to it.",
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


def app_command(args: argparse.Namespace) -> str:
    """The shell command the server runs for each browser tab."""
    argv = [sys.executable, "-m", APP_MODULE]
    data = args.data if args.data is not None else args.app_data
    if data is not None:
        from bigram_tui.core.data import check_readable  # stdlib only: no torch

        # Checked once here, rather than as an error page in every student's tab.
        argv += ["--data", os.path.abspath(check_readable(data))]
    if args.app_seed is not None:
        argv += ["--seed", str(args.app_seed)]
    if args.app_order is not None:
        argv += ["--order", str(args.app_order)]
    if args.app_load is not None:
        argv += ["--load", os.path.abspath(args.app_load)]
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


def _url(host: str, port: int) -> str:
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_unspecified:
            host = socket.gethostname()  # 0.0.0.0 is where it listens, not where to go
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def run_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; bad options raise UsageError before anything listens."""
    command = app_command(args)
    addresses = _addresses(args.host, args.port)
    _check_can_listen(args.host, args.port, addresses)
    if not _is_loopback(addresses):
        print(
            f"{PROG}: warning: anyone who can reach port {args.port} of this machine can use the "
            f"app and its CPU; serve on {DEFAULT_HOST} to keep it to this machine",
            file=sys.stderr,
        )
    server = _server_class()(command, host=args.host, port=args.port, title=TITLE)
    server.serve()
    return EXIT_INTERRUPTED  # serve() returns only once Ctrl+C (or SIGTERM) stopped it


def _server_class() -> type:
    from textual_serve.server import Server

    class BrowserServer(Server):
        """textual-serve's server, quieter, with URLs that follow the address the browser used."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._tabs: set[asyncio.Task[Any]] = set()

        def initialize_logging(self) -> None:
            super().initialize_logging()
            import logging

            # One line per HTTP request would bury the line that says where to go.
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def on_startup(self, app: Any) -> None:
            print(
                f"{PROG}: serving the app on {_url(self.host, self.port)} "
                "(one app per browser tab); Ctrl+C stops",
                flush=True,
            )

        async def handle_index(self, request: Any) -> Any:
            # The page's websocket and static URLs are built from public_url; a student who
            # reached a 0.0.0.0 server by the teacher's address must get that address back.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            # One task per tab, so that shutdown can end every tab's app before it exits.
            tab = asyncio.current_task()
            assert tab is not None
            self._tabs.add(tab)
            try:
                return await super().handle_websocket(request)
            finally:
                self._tabs.discard(tab)

        async def on_shutdown(self, app: Any) -> None:
            # Otherwise aiohttp waits for each open tab to close itself, 60 s at most.
            for tab in self._tabs:
                tab.cancel()  # textual-serve then sends each app its quit and waits for it
            if self._tabs:
                await asyncio.wait(self._tabs, timeout=SHUTDOWN_SECONDS)

    return BrowserServer
