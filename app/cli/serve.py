"""``essaim app``: the Streamlit app on the store of the configured data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import webbrowser

import click

from app.cli.console import EXIT_USER_ERROR, err, settings_of
from app.cli.translation import _, command, option
from app.config import Settings
from app.web import MAIN_SCRIPT

__all__ = ["app_command", "serve"]


@command("app")
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. The app has no login of its own: keep it on "
    "localhost, or put it behind your organisation's authentication.",
)
@option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@option(
    "--browser/--no-browser", default=True, show_default=True, help="Open a web browser on the app."
)
@click.pass_context
def app_command(context: click.Context, host: str, port: int, browser: bool) -> int:
    """Open the app: overview, resources, network, communities, accounts, data quality.

    It reads the database read-only and keeps working while a collection or a load runs.
    Stop it with Ctrl-C.
    """
    settings = settings_of(context)
    if not settings.database.exists():
        none = _(
            "no database in {data}: run `essaim load` and `essaim analyze` first (or `essaim "
            "demo`)."
        ).format(data=settings.data_dir)
        err.print("[red]" + _("error:") + f"[/red] {none}", highlight=False)
        return EXIT_USER_ERROR
    return serve(settings, host, port, browser)


def serve(settings: Settings, host: str, port: int, browser: bool) -> int:
    """Run Streamlit on the app until interrupted; return its exit code.

    Streamlit runs headless (it would otherwise ask for an e-mail address on its first run);
    the browser is opened here once the app answers. Errors never show a traceback to users.
    """
    environment = {**os.environ, "ESSAIM_DATA": str(settings.data_dir.resolve())}
    if settings.config_path is not None:
        environment["ESSAIM_CONFIG"] = str(settings.config_path.resolve())
    command = [
        sys.executable, "-m", "streamlit", "run", str(MAIN_SCRIPT),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal", "--client.showErrorDetails", "none",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # stopped: stop it too
    try:
        if browser:
            _open_when_ready(
                f"http://{'localhost' if host == '127.0.0.1' else host}:{port}", server
            )
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()
        return 0


def _open_when_ready(url: str, server: subprocess.Popen) -> None:
    for _attempt in range(120):
        if server.poll() is not None:
            return
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                webbrowser.open(url)
                return
        except OSError:
            time.sleep(0.5)
