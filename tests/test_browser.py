"""A real browser: headless Chromium types a question into the running app and screenshots the answer.

Streamlit renders on the client, so this is the one test that sees what a user sees. It drives
``scripts/browser_screenshot.py`` (DevTools protocol over a pipe; no extra package) and keeps the PNG at
``out/screenshots/answer.png``. Takes about 10-20 seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nl2sql.demo.build import DEMO_FILE_NAME
from tests.conftest import REPO_ROOT

CHROMIUM = Path(os.environ.get("NL2SQL_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = REPO_ROOT / "out" / "screenshots" / "answer.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium not found at {CHROMIUM} "
                       "(apt-get install chromium, or set NL2SQL_CHROMIUM)"),
]


def test_a_typed_question_shows_its_answer_table_chart_and_sql(demo_data_dir: Path, tmp_path: Path) -> None:
    shutil.copy(demo_data_dir / DEMO_FILE_NAME, tmp_path / DEMO_FILE_NAME)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NL2SQL_"))}
    env["NL2SQL_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "browser_screenshot.py"),
         "--question", "What is the total revenue by region?", "--out", str(SCREENSHOT), "--timeout", "90"],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["outcome"] == "answer"
    assert report["tables"] == 1 and report["charts"] == 1
    assert report["sql_shown"] and report["question_shown"] and not report["traceback_shown"]
    png = SCREENSHOT.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1400, 2400)
    assert len(png) > 50_000                                   # a rendered page, not a blank one
