"""The wheel ships the ontology, shapes, saved queries and bundled data: `kg build` works without the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installs_and_builds_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT))
    wheel = next(dist.glob("coopkg-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(str(python), "-m", "pip", "install", "-q", str(wheel))
    work = tmp_path / "elsewhere"
    work.mkdir()
    kg = str(env_dir / "bin" / "kg")
    run(kg, "build", "-q", cwd=work)
    out = run(kg, "query", "partners-by-country", "-f", "csv", cwd=work)
    assert "Municipality of Florence" in out
    assert run(str(python), "-m", "kg", "queries", cwd=work).count("\n") > 4
    located = run(str(python), "-c", "import kg.resources as r; print(r.resource_dir('data'))", cwd=work)
    assert "_resources" in located and str(ROOT) not in located
