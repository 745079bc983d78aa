"""`bigram-tui serve`: the server's options and errors, Ctrl+C, and the app in a real browser.

The browser test drives Debian's headless Chromium through its chromedriver with selenium;
without them it skips and says what to install. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

from bigram_tui.tui.cli import serve

START_TIMEOUT = 30.0  # the server listening
APP_TIMEOUT = 60.0  # a tab's app painted, torch imported, the counts made
EXIT_TIMEOUT = 30.0  # a closed tab's app, or the server after Ctrl+C, gone

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


# --- helpers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def app_processes(server_pid: int) -> set[int]:
    """Live children of the server that run the app: one per open tab."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # it ended while we looked
        # After the parenthesised name: the state, then the parent's pid.
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == server_pid and state != "Z" and serve.APP_MODULE.encode() in cmdline:
            found.add(int(entry.name))
    return found


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class Served(NamedTuple):
    server: subprocess.Popen
    port: int
    url: str  # as the server printed it
    token: str | None  # the URL's ?token=, None with --no-token


@contextlib.contextmanager
def running_server(names_path: Path, *serve_args: str) -> Iterator[Served]:
    """`bigram-tui --data NAMES serve --port P` in its own process group, stopped at the end."""
    port = free_port()
    command = [sys.executable, "-m", serve.APP_MODULE, "--data", str(names_path), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), *serve_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a test's Ctrl+C reaches the server and its apps only
    )
    try:
        wait_for(lambda: listening(port) or server.poll() is not None, START_TIMEOUT, "the port")
        assert server.poll() is None, server.communicate()
        # Printed before it listens: "bigram-tui: serving the app on URL (...)".
        assert server.stdout is not None
        first = server.stdout.readline()
        url = first.split(" on ", 1)[1].split()[0]
        token = parse_qs(urlsplit(url).query).get("token", [None])[0]
        yield Served(server, port, url, token)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()


def origin(port: int) -> str:
    """The Origin a browser sends from the server's own page."""
    return f"http://127.0.0.1:{port}"


def tab_url(served: Served, query: str = "width=100&height=30") -> str:
    """The websocket URL the server's page opens."""
    path = "/ws" if served.token is None else f"/ws/{served.token}"
    return f"http://127.0.0.1:{served.port}{path}?{query}"


def ctrl_c(server: subprocess.Popen) -> tuple[str, str]:
    """What a terminal's Ctrl+C does: SIGINT to the whole group; returns stdout and stderr."""
    os.killpg(server.pid, signal.SIGINT)
    return server.communicate(timeout=EXIT_TIMEOUT)


def parse(*argv: str) -> argparse.Namespace:
    from bigram_tui.tui.cli.parser import parse as parse_arguments

    return parse_arguments(list(argv))


# --- the command the server runs for each tab -------------------------------------------


def test_each_tab_runs_this_python_with_the_global_options(tmp_path: Path, names_path: Path):
    odd = tmp_path / "my names 'quoted' $HOME.txt"
    odd.write_bytes(names_path.read_bytes())
    args = parse("--data", str(odd), "--seed", "7", "--no-mouse", "serve")
    argv = shlex.split(serve.app_command(args))
    assert argv == [
        "exec", sys.executable, "-m", serve.APP_MODULE,
        "--data", str(odd), "--seed", "7", "--no-mouse",
    ]  # fmt: skip


def test_each_tab_gets_the_pre_split_files_and_the_stream(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("train.txt", "val.txt", "test.txt"):
        (tmp_path / name).write_text("emma\nava\n", encoding="utf-8")
    args = parse(
        "--data", "train.txt", "--dev", "val.txt", "--test", "test.txt", "--stream", "serve"
    )
    argv = shlex.split(serve.app_command(args))
    assert argv[4:] == [
        "--data", str(tmp_path / "train.txt"), "--dev", str(tmp_path / "val.txt"),
        "--test", str(tmp_path / "test.txt"), "--stream",
    ]  # fmt: skip


def test_the_serve_option_data_wins_and_is_made_absolute(
    tmp_path: Path, names_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "mine.txt").write_text("emma\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = parse("--data", str(names_path), "serve", "--data", "mine.txt")
    argv = shlex.split(serve.app_command(args))
    assert argv[argv.index("--data") + 1] == str(tmp_path / "mine.txt")


def test_the_tab_command_really_starts_this_bigram_tui():
    result = subprocess.run(
        ["/bin/sh", "-c", serve.app_command(parse("serve")) + " --version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bigram-tui ")


# --- bad options: one line, exit 2, nothing listening ------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--port", "0"], "a port is 1 to 65535"),
        (["serve", "--port", "70000"], "a port is 1 to 65535"),
        (["serve", "--port", "http"], "expected a port number"),
        (["serve", "--max-sessions", "0"], "a whole number of sessions from 1"),
        (["serve", "--max-sessions", "9" * 5000], "a whole number of sessions from 1"),
        (["serve", "--host", "no-such-host.invalid"], "cannot listen on host"),
        (["serve", "--host", "192.0.2.1"], "not an address of this machine"),
        (["--data", "/no/such/names.txt", "serve"], "no such file"),
    ],
)
def test_bad_options_fail_with_one_line(capsys: pytest.CaptureFixture[str], argv, expected):
    from tests.cli.helpers import one_line_error, run_cli

    code, out, err = run_cli(capsys, *argv)
    assert expected in one_line_error(code, err)
    assert out == ""


def test_a_port_in_use_names_the_way_out(capsys: pytest.CaptureFixture[str]):
    from tests.cli.helpers import one_line_error, run_cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _out, err = run_cli(capsys, "serve", "--port", port)
    line = one_line_error(code, err)
    assert f"port {port} is in use" in line
    assert "--port" in line


@pytest.mark.parametrize(
    ("host", "exposed"),
    [("127.0.0.1", False), ("localhost", False), ("::1", False), ("0.0.0.0", True), ("::", True)],
)
def test_only_loopback_is_private(host: str, exposed: bool):
    try:
        addresses = serve._addresses(host, 8000)
    except Exception as exc:  # a machine without IPv6 cannot resolve "::1"
        pytest.skip(f"{host} does not resolve here: {exc}")
    assert serve._is_loopback(addresses) is not exposed


def test_a_server_on_every_address_names_this_machine_not_0_0_0_0():
    assert serve._url("0.0.0.0", 8080) == f"http://{socket.gethostname()}:8080"
    assert serve._url("::1", 8000) == "http://[::1]:8000"


# --- the server process -------------------------------------------------------------------


@needs_proc
def test_ctrl_c_stops_the_server_and_its_apps_cleanly(names_path: Path):
    aiohttp = pytest.importorskip("aiohttp")

    async def open_tab_then_ctrl_c(served: Served) -> tuple[str, str]:
        server = served.server
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(tab_url(served), origin=origin(served.port)) as tab,
        ):
            first = await tab.receive(timeout=APP_TIMEOUT)
            assert first.type == aiohttp.WSMsgType.BINARY, first  # the app's first frame
            assert app_processes(server.pid), "no app process for the open tab"
            os.killpg(server.pid, signal.SIGINT)

            # Read on, as a browser would: the server's close waits for the tab's answer.
            async def read_until_closed() -> None:
                while not tab.closed:
                    await tab.receive()

            # Bounded as a whole: a server that missed the signal fails here, not hangs.
            await asyncio.wait_for(read_until_closed(), EXIT_TIMEOUT)
            return await asyncio.to_thread(server.communicate, timeout=EXIT_TIMEOUT)

    with running_server(names_path) as served:
        server, port = served.server, served.port
        out, err = asyncio.run(open_tab_then_ctrl_c(served))
        assert server.returncode == 130, (out, err)
    assert "Traceback" not in out + err
    assert out == ""  # after the line that says where to go, read by running_server
    assert served.url == f"http://127.0.0.1:{port}/?token={served.token}"
    assert served.token is not None and len(served.token) >= 32
    assert err == ""  # on loopback: no warning
    assert not app_processes(server.pid)


def get_page(port: int, path: str, host: str) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": host})
    response = connection.getresponse()
    page = response.read().decode("utf-8")
    connection.close()
    return response.status, dict(response.getheaders()), page


def test_the_page_points_the_browser_back_at_the_address_it_used(names_path: Path):
    # On loopback the server answers to loopback names only (see test_serve_guard.py), so
    # the other name here is localhost; a 0.0.0.0 server answers the teacher's name alike.
    with running_server(names_path) as served:
        port, token = served.port, served.token
        status, headers, page = get_page(port, f"/?token={token}", f"localhost:{port}")
        ctrl_c(served.server)
    assert status == 200, page
    # The token goes on to the websocket, in its path (the page appends its own query).
    assert f'data-session-websocket-url="ws://localhost:{port}/ws/{token}"' in page
    assert "<title>bigram-tui</title>" in page or ">bigram-tui<" in page
    assert headers["Referrer-Policy"] == "no-referrer"  # the token stays out of Referer


# --- a real browser -------------------------------------------------------------------------

# Runs before the page's scripts: keeps the xterm.js Terminal that textual-serve makes, whose
# buffer holds the screen as text (the canvas it draws on holds none).
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (!window.keptTerminal && value && value.buffer && value.buffer.active) {
      window.keptTerminal = value;
    }
  },
});
"""
SCREEN_TEXT = """
const terminal = window.keptTerminal;
if (!terminal) return "";
const buffer = terminal.buffer.active, rows = [];
for (let row = 0; row < terminal.rows; row++) {
  const line = buffer.getLine(buffer.viewportY + row);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\\n");
"""
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No traffic but to the test's server on 127.0.0.1:
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,800",
]
INSTALL_HINT = "apt-get install chromium chromium-driver"


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        missing = " and ".join(
            name for name, path in (("chromium", chromium), ("chromedriver", chromedriver))
            if path is None
        )  # fmt: skip
        pytest.skip(f"no headless browser: {missing} not on PATH ({INSTALL_HINT})")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="bigram-tui-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        try:
            driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        except WebDriverException as exc:
            first_line = (exc.msg or str(exc)).strip().splitlines()[0]
            pytest.skip(f"headless Chromium would not start: {first_line} ({INSTALL_HINT})")
        try:
            yield driver
        finally:
            driver.quit()


@needs_proc
def test_the_app_in_a_browser_tab(browser: Any, names_path: Path):
    from selenium.webdriver.common.by import By

    with running_server(names_path) as served:
        server = served.server
        first_tab = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_TERMINAL})
        browser.get(served.url)  # with its token, as a user pastes it

        def screen() -> str:
            return str(browser.execute_script(SCREEN_TEXT))

        top_bar = wait_for(
            lambda: next((row for row in screen().splitlines() if "32,033 words" in row), None),
            APP_TIMEOUT,
            "the top bar's word count",
        )
        assert "1 Counts" in top_bar
        assert "andrejq" not in screen()  # the Counts pane: no word yet
        (app,) = app_processes(server.pid)

        browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("2")
        wait_for(lambda: "andrejq" in screen(), APP_TIMEOUT, "the Word pane after pressing 2")

        browser.close()
        browser.switch_to.window(first_tab)
        wait_for(lambda: app not in app_processes(server.pid), EXIT_TIMEOUT, "the tab's app to end")
        assert server.poll() is None  # the server goes on for other tabs
        ctrl_c(server)
    assert server.returncode == 130
