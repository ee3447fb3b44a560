"""Run the `govkg` command as a user would (a subprocess), against a test session's store.

A plain module, not a conftest: test files import it by name from the tests folder.
"""

from __future__ import annotations

import os
import subprocess
import sys

from graph.settings import Settings


def govkg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GOVKG_DATA_DIR=str(settings.data_dir), GOVKG_SEEDS=str(settings.seeds))
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.root,
        timeout=300,
    )
