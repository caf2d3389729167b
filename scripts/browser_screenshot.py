"""Drive the Streamlit app in headless Chromium: type a question, wait for the answer, save a screenshot.

Streamlit renders on the client, so only a real browser shows what a user sees. This starts
``streamlit run app/streamlit_app.py`` on a free 127.0.0.1 port, starts Chromium (Debian's ``chromium``
package; nothing is downloaded) speaking the DevTools protocol over a pipe (``--remote-debugging-pipe``,
so no extra package and no open debugging port), types the question into the chat box, waits for the
answer's table and chart, opens "How this was answered" and saves a PNG.

    python scripts/browser_screenshot.py --out out/screenshots/answer.png
    python scripts/browser_screenshot.py --question "Monthly revenue in 1996" --data-dir /tmp/nl2sql

Prints one JSON line (what was found on the page, timings) and exits 0 when the answer showed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("NL2SQL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe",
)
# What the page shows once answered (Streamlit's own test ids).
CHAT_BOX = 'textarea[data-testid="stChatInputTextArea"]'
ANSWER_TABLE = '[data-testid="stDataFrame"]'
TABLE_PAINTED = '[data-testid="stDataFrame"] [data-testid="glide-cell-0-0"]'
DOWNLOAD = '[data-testid="stDownloadButton"]'
SQL_SHOWN = '[data-testid="stExpanderDetails"] [data-testid="stCode"]'
CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
METRIC = '[data-testid="stMetric"]'
FAILURE = '[data-testid="stAlertContentWarning"], [data-testid="stAlertContentError"]'


class DevTools:
    """The Chrome DevTools protocol over ``--remote-debugging-pipe``: NUL-separated JSON on fds 3 (in) and 4 (out)."""

    def __init__(self, user_data_dir: str, width: int, height: int) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:                       # runs in the child, before exec
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)   # in case either is 3 or 4
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}",
             "about:blank"],
            preexec_fn=wire_fds, pass_fds=(3, 4),      # kept open through close_fds, which runs after preexec_fn
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def call(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:                                   # skip events until our reply comes back
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def open_page(self, url: str, width: int, height: int) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)[
            "sessionId"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.enable")
        self.call("Page.navigate", {"url": url})

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for: {expression}")

    def close(self) -> None:
        try:
            self.call("Browser.close", browser=True)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app" / "streamlit_app.py"),
           "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
           "--browser.gatherUsageStats=false", "--client.showErrorDetails=none", "--server.fileWatcherType=none"]
    return subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_http(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the app did not answer at {url} within {timeout_s:.0f}s")


def capture(question: str, out: Path, *, env: dict[str, str], timeout_s: float = 120.0,
            width: int = 1400, height: int = 2400) -> dict[str, Any]:
    """Ask ``question`` in a real browser and save a screenshot; returns what the page showed."""
    timings: dict[str, float] = {}
    start = time.monotonic()
    port = free_port()
    app = start_app(port, env)
    browser: DevTools | None = None
    try:
        wait_http(f"http://127.0.0.1:{port}/_stcore/health", timeout_s)
        timings["app_started_s"] = time.monotonic() - start
        with tempfile.TemporaryDirectory(prefix="nl2sql-chromium-") as profile:
            browser = DevTools(profile, width, height)
            browser.open_page(f"http://127.0.0.1:{port}/", width, height)
            browser.wait_for(f"!!document.querySelector('{CHAT_BOX}')", timeout_s)
            timings["page_ready_s"] = time.monotonic() - start
            browser.js(f"document.querySelector('{CHAT_BOX}').focus()")
            browser.call("Input.insertText", {"text": question})
            for kind in ("keyDown", "keyUp"):
                browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                        "windowsVirtualKeyCode": 13, "text": "\r"})
            found = browser.wait_for(
                f"(document.querySelector('{TABLE_PAINTED}') && document.querySelector('{DOWNLOAD}') && "
                f"(document.querySelector('{CHART}') || document.querySelector('{METRIC}')) && 'answer')"
                f" || (document.querySelector('{FAILURE}') && 'failure')", timeout_s)
            timings["answered_s"] = time.monotonic() - start
            if found == "answer":                     # open "How this was answered" to show the SQL
                browser.js("document.querySelectorAll('[data-testid=\"stExpander\"] summary').forEach(s => s.click())")
                browser.wait_for(f"!!document.querySelector('{SQL_SHOWN}')?.offsetParent", timeout_s)
            # Chat layouts stick to the bottom; show the page from the question down.
            browser.js("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
            browser.js("document.fonts.ready.then(() => true)")
            time.sleep(1.0)                           # let the chart's and the table's canvases finish painting
            page = browser.js(
                "({text: document.body.innerText,"
                f" tables: document.querySelectorAll('{ANSWER_TABLE}').length,"
                f" charts: document.querySelectorAll('{CHART}').length,"
                f" metrics: document.querySelectorAll('{METRIC}').length,"
                " code: Array.from(document.querySelectorAll('code')).map(c => c.innerText).join('\\n')})")
            shot = browser.call("Page.captureScreenshot", {"format": "png"})
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(base64.b64decode(shot["data"]))
            timings["total_s"] = time.monotonic() - start
            browser.close()
            browser = None
        return {
            "outcome": found,
            "screenshot": str(out),
            "tables": page["tables"],
            "charts": page["charts"],
            "metrics": page["metrics"],
            "sql_shown": "SELECT" in page["code"].upper(),
            "question_shown": question in page["text"],
            "traceback_shown": "Traceback" in page["text"],
            "timings": {k: round(v, 2) for k, v in timings.items()},
        }
    finally:
        if browser is not None:
            browser.close()
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()


# A scenario: a name (the screenshot's file name) and steps, each ("ask", question), ("click", start of a
# button's text) or ("see", text the page must show). The page is screenshotted once the last step holds.
Step = tuple[str, str]
SCENARIOS: dict[str, tuple[Step, ...]] = {
    "sentence": (("ask", "revenue by region in 1996"),
                 ("see", "Middle East had the highest revenue in 1996: $"), ("see", "5 regions shown")),
    "tie": (("ask", "top 3 customers by number of orders"), ("see", "Tie at the cut-off")),
    "partial_period": (("ask", "revenue by year"), ("see", "1998 is incomplete: the data ends on 1998-08-02")),
    "followup": (("ask", "revenue by region in 1996"), ("click", "Revenue by region in 1995"),
                 ("see", "highest revenue in 1995: $")),
    "did_you_mean": (("ask", "average discount by shp mode"), ("click", "Did you mean: average discount by ship mode"),
                     ("see", "had the highest average discount: ")),
    "read_as": (("ask", "revenue in Germny"), ("see", "Read “Germny” as GERMANY.")),
    "clarify": (("ask", "worst regions by revenue"), ("see", "could mean the highest or the lowest"),
                ("click", "Lowest regions by revenue"), ("see", "had the lowest revenue: $")),
}
LLM_DOWN: tuple[Step, ...] = (("ask", "Which parts smell of lavender?"), ("see", "OPENAI_BASE_URL"),
                              ("see", "offline engine still work"), ("see", "not reachable"))


def _button_js(text: str) -> str:
    found = f"Array.from(document.querySelectorAll('button')).find(b => b.innerText.includes({json.dumps(text)}))"
    return found


def run_steps(browser: DevTools, steps: tuple[Step, ...], timeout_s: float) -> None:
    for kind, text in steps:
        if kind == "ask":
            browser.wait_for(f"!!document.querySelector('{CHAT_BOX}')", timeout_s)
            browser.js(f"document.querySelector('{CHAT_BOX}').focus()")
            browser.call("Input.insertText", {"text": text})
            for event in ("keyDown", "keyUp"):
                browser.call("Input.dispatchKeyEvent", {"type": event, "key": "Enter", "code": "Enter",
                                                        "windowsVirtualKeyCode": 13, "text": "\r"})
        elif kind == "click":
            browser.wait_for(f"!!{_button_js(text)}", timeout_s)
            browser.js(f"{_button_js(text)}.click()")
        elif kind == "see":
            browser.wait_for(f"document.body.innerText.includes({json.dumps(text)})", timeout_s)
        else:
            raise ValueError(f"unknown step {kind!r}")


def scenarios(out_dir: Path, *, env: dict[str, str], steps: dict[str, tuple[Step, ...]],
              timeout_s: float = 120.0, width: int = 1400, height: int = 1800) -> dict[str, Any]:
    """Run each scenario on its own page (its own Streamlit session) of one app; one PNG per scenario."""
    port = free_port()
    app = start_app(port, env)
    report: dict[str, Any] = {}
    browser: DevTools | None = None
    try:
        wait_http(f"http://127.0.0.1:{port}/_stcore/health", timeout_s)
        with tempfile.TemporaryDirectory(prefix="nl2sql-chromium-") as profile:
            browser = DevTools(profile, width, height)
            for name, scenario in steps.items():
                started = time.monotonic()
                browser.open_page(f"http://127.0.0.1:{port}/", width, height)
                try:
                    run_steps(browser, scenario, timeout_s)
                    outcome = "ok"
                except TimeoutError as e:
                    outcome = f"timeout: {e}"
                time.sleep(1.0)                        # let charts and tables finish painting
                shot = browser.call("Page.captureScreenshot", {"format": "png"})
                out = out_dir / f"{name}.png"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(base64.b64decode(shot["data"]))
                text = browser.js("document.body.innerText") or ""
                report[name] = {"outcome": outcome, "screenshot": str(out), "traceback_shown": "Traceback" in text,
                                "seconds": round(time.monotonic() - started, 2)}
            browser.close()
            browser = None
        return report
    finally:
        if browser is not None:
            browser.close()
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--question", default="What is the total revenue by region?")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "screenshots" / "answer.png")
    parser.add_argument("--data-dir", help="NL2SQL_DATA_DIR for the app (default: the environment's)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait at each step")
    parser.add_argument("--scenarios", metavar="DIR", type=Path,
                        help="run the acceptance scenarios instead (sentence, tie, partial period, follow-up, read as, clarify, "
                        "did you mean, LLM down) and save DIR/<name>.png for each")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set NL2SQL_CHROMIUM).", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.data_dir:
        env["NL2SQL_DATA_DIR"] = args.data_dir
    if args.scenarios:
        report = scenarios(args.scenarios, env=env, steps=SCENARIOS, timeout_s=args.timeout)
        # The LLM-down scenario needs its own app: one whose language model points at a closed port.
        down_env = {**env, "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "OPENAI_API_KEY": "sk-not-used",
                    "NL2SQL_LLM_MAX_RETRIES": "0"}
        report.update(scenarios(args.scenarios, env=down_env, steps={"llm_down": LLM_DOWN}, timeout_s=args.timeout))
        print(json.dumps(report))
        return 0 if all(r["outcome"] == "ok" and not r["traceback_shown"] for r in report.values()) else 1
    report = capture(args.question, args.out, env=env, timeout_s=args.timeout)
    print(json.dumps(report))
    return 0 if report["outcome"] == "answer" and not report["traceback_shown"] else 1


if __name__ == "__main__":
    sys.exit(main())
