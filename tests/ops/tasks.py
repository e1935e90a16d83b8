"""A task for tests of the task workers: it marks a file when it starts and when it ends."""

import json
import os
import time
from pathlib import Path

from django_tasks import task


@task()
def hold(*, path: str, seconds: float) -> int:
    """Write {"pid", "state": "started"} to `path`, wait `seconds`, write "done"; the pid."""
    marker = Path(path)
    marker.write_text(json.dumps({"pid": os.getpid(), "state": "started"}))
    time.sleep(seconds)
    marker.write_text(json.dumps({"pid": os.getpid(), "state": "done"}))
    return os.getpid()
