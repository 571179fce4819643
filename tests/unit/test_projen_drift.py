"""The generated project files must be exactly what .projenrc.py generates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_match_projenrc(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".projenrc.py", tmp_path / ".projenrc.py")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    env = {**os.environ, "PROJEN_DISABLE_POST": "true"}
    subprocess.run([sys.executable, ".projenrc.py"], cwd=tmp_path, env=env, check=True, capture_output=True)
    generated = json.loads((tmp_path / ".projen" / "files.json").read_text())["files"]
    assert "pyproject.toml" in generated
    drifted = [
        name
        for name in [*generated, ".projen/files.json"]
        if (tmp_path / name).read_text() != (ROOT / name).read_text()
    ]
    assert not drifted, f"regenerate with `python .projenrc.py`; drifted from .projenrc.py: {drifted}"
