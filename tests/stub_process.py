"""A model stub run as its own process (its own interpreter, so a slow or looping stub cannot stall the tests' or
the benchmark's threads): start the script, read the URL it prints on its first line, read its log of served
choices, stop it. Shared by the stubs that run this way (tests/imperfect_llm_f.py, tests/imperfect_llm_g.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)


class ScriptProcess:
    """``with Subclass(gold, log=path, seed=7) as s: s.url``. A subclass names its ``script`` and ``name`` and may add
    ``extra_args``; the script must print ``listening <url>`` first and append one JSON line per served choice to the
    log (a ``request`` number in each)."""

    script: str = ""
    name: str = "stub"
    extra_args: tuple[str, ...] = ()

    def __init__(self, gold_path: str | Path, *, log: str | Path | None = None, seed: int = 7,
                 timeout_s: float = 60.0) -> None:
        self.gold_path, self.seed, self.timeout_s = str(gold_path), seed, timeout_s
        self._own_dir = None if log else tempfile.TemporaryDirectory(prefix=f"{self.name}-")
        self.log = str(log) if log else os.path.join(self._own_dir.name if self._own_dir else "", "log.jsonl")
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ScriptProcess:
        env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        command = [sys.executable, self.script, *self.extra_args, "--gold", self.gold_path,
                   "--seed", str(self.seed), "--log", self.log]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("listening "):
            self.__exit__()
            raise RuntimeError(f"{self.name} did not start (exit {self._process.poll()})")
        self.url = line.split()[-1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        if self._own_dir is not None:
            self._own_dir.cleanup()

    def entries(self) -> list[dict[str, Any]]:
        """Every logged choice so far."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    @property
    def requests(self) -> list[int]:
        """The request numbers served so far (one per HTTP request, whatever its ``n``)."""
        return sorted({int(e["request"]) for e in self.entries()})
