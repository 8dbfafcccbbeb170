"""Validate the CI workflows and .readthedocs.yaml against their published schemas.

    python docs/_tools/check_config_files.py

Uses check-jsonschema's vendored copies of the GitHub Actions workflow schema and
the Read the Docs configuration schema, so it works offline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    """Run check-jsonschema once per schema; non-zero if any file is invalid."""
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    checks = [
        ("vendor.github-workflows", workflows),
        ("vendor.readthedocs", [ROOT / ".readthedocs.yaml"]),
    ]
    status = 0
    for schema, files in checks:
        if not files:
            print(f"no files to check against {schema}", file=sys.stderr)
            status = 1
            continue
        cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
        status |= subprocess.run([*cmd, *map(str, files)], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
