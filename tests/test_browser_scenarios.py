"""The acceptance scenarios of issue 14 in a real browser (headless Chromium), one screenshot each.

``scripts/browser_screenshot.py --scenarios DIR`` starts the app, opens a fresh page per scenario, asks,
clicks what a user would click, waits for the words a user must see, and saves ``DIR/<scenario>.png``:
an answer sentence with formatted numbers and the period, a tie at the cut-off, an incomplete last year,
a suggested follow-up clicked and answered, a "did you mean" clicked and answered, a misspelt value said as
read ("Read “Germny” as GERMANY."), a clarify choice
("worst": highest or lowest?) clicked and answered, and (on an app whose
language model points at a closed port) the message naming OPENAI_BASE_URL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nl2sql.demo.build import DEMO_FILE_NAME
from tests.conftest import REPO_ROOT

CHROMIUM = Path(os.environ.get("NL2SQL_CHROMIUM", "/usr/bin/chromium"))
SHOTS = REPO_ROOT / "out" / "screenshots"
EXPECTED = ("sentence", "tie", "partial_period", "followup", "did_you_mean", "read_as", "clarify", "llm_down")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium not found at {CHROMIUM}"),
]


def test_issue_14_scenarios_in_a_real_browser(demo_data_dir: Path, tmp_path: Path) -> None:
    shutil.copy(demo_data_dir / DEMO_FILE_NAME, tmp_path / DEMO_FILE_NAME)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NL2SQL_"))}
    env["NL2SQL_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "browser_screenshot.py"), "--scenarios", str(SHOTS),
         "--timeout", "90"], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=900)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert tuple(report) == EXPECTED
    for name, outcome in report.items():
        assert outcome["outcome"] == "ok" and not outcome["traceback_shown"], (name, outcome)
        png = (SHOTS / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000, name
    assert result.returncode == 0
