"""The README's commands: a missing prerequisite is named in one line before anything starts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MAKE = shutil.which("make") or "make"


def _make(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path} if path is not None else None
    return subprocess.run(
        [MAKE, "--no-print-directory", "-s", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_missing_python_is_named_in_one_line() -> None:
    result = _make("check-prereqs", "PYTHON=python3.99-does-not-exist")
    assert result.returncode != 0
    assert result.stdout.strip().splitlines() == [
        "modelops needs Python >= 3.11 as python3.99-does-not-exist on PATH; none found"
    ]


def test_missing_node_is_named_in_one_line(tmp_path: Path) -> None:
    # A PATH with python3 and make's shell but no node.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "bash"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(sys.executable)
    result = _make("check-prereqs", path=str(bin_dir))
    assert result.returncode != 0
    assert result.stdout.strip().splitlines() == [
        "modelops needs Node.js >= 18 on PATH (for the CDK CLI and jsii); none found"
    ]
