"""Faults: `kg build` killed with SIGKILL at random points leaves a store that opens, answers and equals the
state before or the state after; a full disk or a read-only data folder gives a clear error."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import INNOCRAFTS, snapshot

from kg.resources import resource_dir
from kg.store import open_store

pytestmark = pytest.mark.slow  # generated cases by the thousand; kills and mounts

ROOT = Path(__file__).resolve().parents[1]
KILLS = 8


def kg(store: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    return subprocess.Popen(
        [sys.executable, "-m", "kg", "--store", f"oxigraph:{store}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen) -> int:
    process.communicate(timeout=300)
    return process.returncode


def state(path: Path) -> frozenset[str]:
    with open_store(f"oxigraph:{path}", read_only=True) as store:
        assert store.query("ASK { ?s a ?class }")  # it opens and answers
        return frozenset(snapshot(store))


def test_a_build_killed_at_random_points_leaves_the_state_before_or_after(tmp_path, capsys):
    edited = tmp_path / "innocrafts"
    shutil.copytree(resource_dir("data") / "innocrafts", edited)
    practices = edited / "practices.csv"
    practices.write_text(practices.read_text(encoding="utf-8").replace("FUSE", "FUSE (edited)"), encoding="utf-8")

    store = tmp_path / "store"
    assert finished(kg(store, "build", "-q")) == 0
    before = state(store)
    reference = tmp_path / "reference"
    started = time.monotonic()
    assert finished(kg(reference, "build", "-q", str(edited))) == 0
    duration = time.monotonic() - started
    after = state(reference)
    assert before != after

    rng = random.Random(20261126)
    outcomes = {"before": 0, "after": 0}
    for _ in range(KILLS):
        process = kg(store, "build", "-q", str(edited))
        time.sleep(rng.uniform(0.05, duration * 1.5))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        now = state(store)
        assert now in (before, after)
        outcomes["before" if now == before else "after"] += 1
        if now == after:  # start the next round from the old state again
            assert finished(kg(store, "build", "-q")) == 0
            assert state(store) == before
    with capsys.disabled():
        print(
            f"\nfault injection: kg build killed with SIGKILL {KILLS} times at random points of a "
            f"{duration:.1f} s build: {outcomes['before']} left the state before, {outcomes['after']} the state "
            "after, 0 anything else"
        )


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small or read-only tmpfs needs root")


@pytest.fixture
def mount(tmp_path):
    folder = tmp_path / "mnt"
    folder.mkdir()
    mounted: list[Path] = []

    def make(size: str) -> Path:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
        mounted.append(folder)
        return folder

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


@needs_root
def test_a_full_disk_is_a_clear_error_and_changes_nothing(mount, tmp_path):
    disk = mount("8m")  # the bundled INNOCRAFTS build with the reference data takes about 4 MB
    store = disk / "store"
    assert finished(kg(store, "build", "-q", *map(str, INNOCRAFTS))) == 0
    before = state(store)
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    filler.write_bytes(b"\0" * max(0, free - 200_000))
    process = kg(store, "build", "-q", *map(str, INNOCRAFTS))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "No space left on device" in err and str(store) in err
    assert "Traceback" not in err
    filler.unlink()
    assert state(store) == before


@needs_root
def test_a_read_only_data_folder_still_answers_and_refuses_writes_clearly(mount, tmp_path):
    disk = mount("20m")
    store = disk / "store"
    assert finished(kg(store, "build", "-q", *map(str, INNOCRAFTS))) == 0
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    query = kg(store, "query", "partners-by-country", "-f", "csv")
    out, _ = query.communicate(timeout=60)
    assert query.returncode == 0 and "Italy" in out
    extra = tmp_path / "extra.nt"
    extra.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    load = kg(store, "load", str(extra))
    _, err = load.communicate(timeout=60)
    assert load.returncode == 1
    assert "Read-only file system" in err and "Traceback" not in err
