"""Regression gating of the benchmark suite.

* The deterministic gate: instruction counts per message of a few key paths
  (wampbox_bench_gate under callgrind, scripts/bench/instr_gate.py) against
  bench/baselines/instructions.json, tolerance 5%, on the inputs conftest's
  bench_inputs writes (the build does not); and the proof that it
  catches a slowdown (the driver's --inject-slowdown adds work to one path:
  the gate must exit non-zero and name that path).
* The statistical comparison of timings (scripts/bench/compare.py,
  Mann-Whitney U over >= 9 repetitions) on synthetic results, where the truth
  is known.

Binaries from WAMPBOX_BUILD_DIR (default build/); missing ones FAIL.
"""

import itertools
import json
import os
import platform
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))
GATE = BUILD / "bench" / "wampbox_bench_gate"
SCRIPTS = REPO / "scripts" / "bench"
PY = sys.executable

sys.path.insert(0, str(SCRIPTS))
import compare  # noqa: E402

SLOWED = "sender/msgpack/PUBLISH/small_rpc/256"
RECEIVER_SLOWED = "receiver/msgpack/EVENT/small_rpc/256"


def _gate(*args):
    if not GATE.exists():
        pytest.fail(f"{GATE} is missing: build with -DWAMPBOX_BUILD_BENCHMARKS=ON")
    return subprocess.run([PY, str(SCRIPTS / "instr_gate.py"), "--driver", str(GATE), *args],
                          capture_output=True, text=True, timeout=600)


def test_gate_passes_on_key_paths(tmp_path, bench_inputs):
    r = _gate("--json", str(tmp_path / "instr.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(tmp_path / "instr.json", encoding="utf-8") as f:
        doc = json.load(f)
    paths = doc["instructions_per_message"]
    assert len(paths) >= 4 and SLOWED in paths and all(v > 0 for v in paths.values())
    # The receivers (decode_frame_into + open_into) of every serializer are counted,
    # and so are the multi-buffer backend's batches when it is built (x86-64).
    for ser in ("json", "msgpack", "cbor"):
        assert any(p.startswith(f"receiver/{ser}/") for p in paths), paths
    if platform.machine() in ("x86_64", "AMD64"):
        assert {"xsalsa-mb/seal_batch/8x256", "xsalsa-mb/open_batch/8x256"} <= set(paths), paths


@pytest.mark.parametrize("slowed", [RECEIVER_SLOWED, "xsalsa-mb/open_batch/8x256"])
def test_gate_names_a_slowed_receiver_or_batch(bench_inputs, slowed):
    if slowed.startswith("xsalsa-mb") and platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("xsalsa-mb is built on x86-64 only")
    r = _gate("--paths", f"{slowed},ceiling/open/4096", "--inject-slowdown", f"{slowed}=3000")
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"FAILED: {slowed}" in r.stdout, r.stdout
    assert not any("ceiling/open/4096" in line for line in r.stdout.splitlines() if "FAIL" in line), r.stdout


def test_gate_fails_on_injected_slowdown(bench_inputs):
    r = _gate("--paths", f"{SLOWED},ceiling/seal/4096", "--inject-slowdown", f"{SLOWED}=3000")
    assert r.returncode == 1, r.stdout + r.stderr
    fail_lines = [line for line in r.stdout.splitlines() if "FAIL" in line]
    assert any(SLOWED in line for line in fail_lines), r.stdout
    assert f"FAILED: {SLOWED}" in r.stdout
    # The path without injected work still passes.
    assert not any("ceiling/seal/4096" in line for line in fail_lines), r.stdout


def test_gate_driver_rejects_unknown_path():
    if not GATE.exists():
        pytest.fail(f"{GATE} is missing")
    r = subprocess.run([str(GATE), "--path", "no/such/path"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "unknown path" in r.stderr


# -- compare.py ----------------------------------------------------------------

def test_mann_whitney_exact_matches_enumeration():
    rng = random.Random(5)
    for n1, n2 in ((3, 4), (4, 4), (5, 3), (4, 6)):
        x = [rng.random() for _ in range(n1)]
        y = [rng.random() + 0.3 for _ in range(n2)]
        pool = x + y
        mean = n1 * n2 / 2

        def u(a, b):
            return sum(1 for i in a for j in b if i > j)

        u0 = u(x, y)
        hits = total = 0
        for idx in itertools.combinations(range(n1 + n2), n1):
            a = [pool[i] for i in idx]
            b = [pool[i] for i in range(n1 + n2) if i not in idx]
            total += 1
            hits += abs(u(a, b) - mean) >= abs(u0 - mean) - 1e-9
        got_u, p = compare.mann_whitney_u(x, y)
        assert got_u == u0
        assert p == pytest.approx(hits / total)


def test_mann_whitney_separated_samples():
    _, p = compare.mann_whitney_u(list(range(9)), list(range(10, 19)))
    assert p == pytest.approx(2 / 48620)  # 2 / C(18, 9)


def test_mann_whitney_ties_use_the_normal_approximation():
    # Tied samples: no exact distribution; scipy's asymptotic p with tie
    # correction (here clearly significant), and p = 1 when all values tie.
    _, p = compare.mann_whitney_u([1, 1, 2, 2, 3, 3, 4, 4, 5], [6, 6, 7, 7, 8, 8, 9, 9, 10])
    assert 0 < p < 0.001
    assert compare.mann_whitney_u([5] * 9, [5] * 9) == (40.5, 1.0)


def _doc(samples_by_name):
    benchmarks = []
    for name, samples in samples_by_name.items():
        for i, t in enumerate(samples):
            benchmarks.append(dict(name=name, run_name=name, run_type="iteration", repetitions=len(samples),
                                   repetition_index=i, threads=1, iterations=1000, real_time=t, cpu_time=t,
                                   time_unit="ns"))
    return dict(context={}, benchmarks=benchmarks)


def _run_compare(tmp_path, base, new, *args):
    b, n = tmp_path / "base.json", tmp_path / "new.json"
    b.write_text(json.dumps(_doc(base)))
    n.write_text(json.dumps(_doc(new)))
    return subprocess.run([PY, str(SCRIPTS / "compare.py"), str(b), str(n), *args], capture_output=True, text=True,
                          timeout=60)


def test_compare_flags_a_real_slowdown(tmp_path):
    rng = random.Random(1)
    noise = lambda m: [m * (1 + rng.gauss(0, 0.02)) for _ in range(9)]  # noqa: E731
    base = {"path/a": noise(1000), "path/b": noise(500)}
    new = {"path/a": noise(1100), "path/b": noise(500)}  # a: 10% slower
    r = _run_compare(tmp_path, base, new)
    assert r.returncode == 1, r.stdout
    assert "REGRESSION in path/a" in r.stdout and "path/b" not in r.stdout.split("REGRESSION in")[1]


def test_compare_ignores_noise_and_small_changes(tmp_path):
    rng = random.Random(2)
    base = {"path/a": [1000 * (1 + rng.gauss(0, 0.05)) for _ in range(9)]}
    new = {"path/a": [1000 * (1 + rng.gauss(0, 0.05)) for _ in range(9)]}
    r = _run_compare(tmp_path, base, new)
    assert r.returncode == 0, r.stdout
    # A consistent 2% change is significant but below the 5% threshold.
    base = {"path/a": [1000 + i for i in range(9)]}
    new = {"path/a": [1020 + i for i in range(9)]}
    r = _run_compare(tmp_path, base, new)
    assert r.returncode == 0, r.stdout
    # A noisy 30% shift of a few outliers is not enough evidence.
    base = {"path/a": [1000, 1010, 990, 1005, 995, 1002, 998, 1001, 999]}
    new = {"path/a": [1000, 1010, 990, 1005, 995, 1300, 1300, 1300, 999]}
    r = _run_compare(tmp_path, base, new)
    assert r.returncode == 0, r.stdout


def test_compare_needs_nine_repetitions(tmp_path):
    r = _run_compare(tmp_path, {"path/a": [1000] * 5}, {"path/a": [2000] * 5})
    assert r.returncode == 2 and "too few repetitions" in r.stdout
