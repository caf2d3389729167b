"""The ``app`` verb: start the Streamlit app (``streamlit run app/streamlit_app.py``).

Warehouse flags become the environment the app reads (``Settings.from_env()`` runs inside the app);
anything after them goes to ``streamlit run`` unchanged, e.g. ``nl2sql app -- --server.port 8502``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from nl2sql.cli.exit_codes import EXIT_CONFIG
from nl2sql.cli.core import add_warehouse_flags
from nl2sql.settings import REPO_ROOT

APP_PATH = REPO_ROOT / "app" / "streamlit_app.py"
# Tracebacks stay in the console: the browser only ever shows our friendly messages.
# The toolbar in viewer mode hides Deploy and the developer menu from business users.
DEFAULT_STREAMLIT_ARGS: tuple[str, ...] = ("--client.showErrorDetails=none", "--browser.gatherUsageStats=false",
                                           "--client.toolbarMode=viewer")
FLAG_ENV: tuple[tuple[str, str], ...] = (
    ("db", "NL2SQL_DB"),
    ("url", "NL2SQL_DB_URL"),
    ("overlay", "NL2SQL_OVERLAY"),
    ("generator", "NL2SQL_GENERATOR"),
    ("data_dir", "NL2SQL_DATA_DIR"),
    ("scope", "NL2SQL_SCOPE"),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    app = subparsers.add_parser(
        "app",
        help="start the Streamlit app",
        description="Start the Streamlit app on the configured warehouse (default: the embedded demo). "
        "Arguments after -- go to `streamlit run`, e.g. `nl2sql app -- --server.port 8502`.",
    )
    add_warehouse_flags(app)
    app.add_argument("--generator", choices=("auto", "offline", "llm"), help="who writes the SQL (default: auto)")
    app.add_argument("--data-dir", metavar="DIR", help="demo warehouse and feedback store (default ~/.nl2sql)")
    app.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="passed to `streamlit run`")
    app.set_defaults(handler=run_app)


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """The command line that starts the app; ``--`` before pass-through arguments is dropped."""
    extra = list(args.streamlit_args or ())
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH), *DEFAULT_STREAMLIT_ARGS, *extra]


def app_environment(args: argparse.Namespace, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for attr, var in FLAG_ENV:
        value = getattr(args, attr, None)
        if value is not None:
            env[var] = str(Path(value).expanduser().resolve()) if attr in ("db", "overlay", "data_dir") else value
    return env


def run_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("streamlit") is None:
        print("The app needs Streamlit: pip install 'lakehouse-nl2sql[app]'.", file=sys.stderr)
        return EXIT_CONFIG
    if not APP_PATH.exists():
        print(f"The app script is missing ({APP_PATH}); run from a source checkout.", file=sys.stderr)
        return EXIT_CONFIG
    return run_forwarding_signals(streamlit_command(args), app_environment(args))


def run_forwarding_signals(command: list[str], env: dict[str, str]) -> int:
    """Run Streamlit as a child and pass SIGTERM/SIGINT on to it, so stopping ``nl2sql app`` stops the server."""
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:               # the handler already forwarded it; keep waiting
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
