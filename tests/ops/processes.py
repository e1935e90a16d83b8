"""Long-running processes in tests: their merged output read on a thread, waited on by line."""

from __future__ import annotations

import re
import subprocess
import threading
import time

import pytest


class Watched:
    def __init__(self, command: list[str], **popen):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, **popen)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60, after: int = 0) -> re.Match:
        """The first line from index `after` matching `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if match := re.search(pattern, line):
                    return match
            time.sleep(0.05)
        pytest.fail(f"no line matching {pattern!r} in {timeout}s:\n{self.output}")

    def stop(self) -> None:
        """SIGTERM first, so a supervisor stops its children too; SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
