"""Shared fixtures for the Python tests: the wampbox CLI, keyring files, and
an optional cross-check report (JSON + Markdown) written when the env var
WAMPBOX_REPORT_DIR is set (scripts/run.sh sets it).

Run with /usr/bin/python3 -m pytest (Debian's interpreter sees python3-autobahn).
The CLI is found under WAMPBOX_BUILD_DIR (default build/); if it is missing,
tests that need it FAIL (they are not skipped): a missing binary is a broken
build, not an absent feature.
"""

import collections
import json
import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "scripts") not in sys.path:  # pytest.ini's pythonpath does this too
    sys.path.insert(0, str(REPO / "scripts"))

from wampbox_py import autobahn_ref as ref  # noqa: E402
from wampbox_py import cli as wcli  # noqa: E402

# The keyring the cross-check uses: the worked example's prefix
# (autobahn_ref.worked_example_frame), no default key, so every URI below must be found by prefix.
PREFIX = ref.EXAMPLE_PREFIX
URIS = {
    "PUBLISH": PREFIX + "topic1",
    "EVENT": PREFIX + "topic1",
    "CALL": PREFIX + "proc1",
    "INVOCATION": PREFIX + "proc1",
    "YIELD": PREFIX + "proc1",
    "RESULT": PREFIX + "proc1",
    "ERROR": PREFIX + "error.app_failed",
}
# The ids each type's frame carries (others would be ignored by the CLI).
IDS_FOR = {
    "PUBLISH": ("request",),
    "EVENT": ("subscription", "publication"),
    "CALL": ("request",),
    "INVOCATION": ("request", "registration"),
    "YIELD": ("request",),
    "RESULT": ("request",),
    "ERROR": ("request_type", "request"),
}


def ids_for(mtype, overrides=None):
    ids = dict(ref.DEFAULT_IDS)
    ids.update(overrides or {})
    return {k: ids[k] for k in IDS_FOR[mtype]}


@pytest.fixture(scope="session")
def wampbox():
    try:
        return wcli.Wampbox()
    except FileNotFoundError as e:
        missing = str(e)
    pytest.fail(missing, pytrace=False)


@pytest.fixture(scope="session")
def keydir(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def keyring_entries():
    return {PREFIX: ref.SAMPLE_KEYS}


@pytest.fixture(scope="session")
def keyring_file(keydir, keyring_entries):
    """wampbox keyring file with the sample keys under PREFIX."""
    return ref.write_keyring_file(keydir / "keyring.json", keyring_entries)


@pytest.fixture(scope="session")
def ab_keyring(keyring_entries):
    """The same keyring as an Autobahn KeyRing."""
    return ref.make_keyring(keyring_entries)


# -- cross-check report -----------------------------------------------------

_results = []
_t0 = time.time()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    params = getattr(getattr(item, "callspec", None), "params", {})
    for k in ("mtype", "ser", "payload", "variant"):
        if k in params:
            rep.user_properties.append((k, params[k]))


def pytest_runtest_logreport(report):
    if not os.environ.get("WAMPBOX_REPORT_DIR"):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        props = dict(report.user_properties)
        msg = ""
        if report.outcome == "failed":
            msg = str(report.longrepr.reprcrash.message if hasattr(report.longrepr, "reprcrash")
                      else report.longrepr)[:2000]
        _results.append(dict(nodeid=report.nodeid, outcome=report.outcome, seconds=round(report.duration, 4),
                             check=report.nodeid.split("::")[-1].split("[")[0], message=msg, **props))


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("WAMPBOX_REPORT_DIR")
    if not out or not _results:
        return
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = collections.Counter(r["outcome"] for r in _results)
    by_check = collections.defaultdict(collections.Counter)
    by_cell = collections.defaultdict(collections.Counter)
    for r in _results:
        by_check[r["check"]][r["outcome"]] += 1
        if "mtype" in r and "ser" in r:
            by_cell[(r["mtype"], r["ser"])][r["outcome"]] += 1
    failures = [r for r in _results if r["outcome"] == "failed"]
    report = {
        "reference": "Autobahn|Python " + _autobahn_version(),
        "wampbox": str(_binary_or_none()),
        "seconds": round(time.time() - _t0, 1),
        "totals": dict(counts),
        "by_check": {k: dict(v) for k, v in sorted(by_check.items())},
        "by_type_serializer": {f"{t}/{s}": dict(v) for (t, s), v in sorted(by_cell.items())},
        "failures": failures,
    }
    (out / "crosscheck.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")

    lines = ["# wampbox vs Autobahn|Python cross-check", "",
             f"Reference: {report['reference']}; wampbox: `{report['wampbox']}`; {report['seconds']} s.", "",
             "| outcome | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts.items())]
    lines += ["", "## By check", "", "| check | passed | failed | skipped |", "|---|---|---|---|"]
    for k, v in sorted(by_check.items()):
        lines.append(f"| {k} | {v['passed']} | {v['failed']} | {v['skipped']} |")
    types = [t for t in ref.MESSAGE_TYPES if any(t == c[0] for c in by_cell)]
    if types:
        lines += ["", "## By message type and serializer (passed/total)", "",
                  "| type | " + " | ".join(ref.SERIALIZERS) + " |", "|---" * (len(ref.SERIALIZERS) + 1) + "|"]
        for t in types:
            cells = []
            for s in ref.SERIALIZERS:
                c = by_cell.get((t, s), collections.Counter())
                cells.append(f"{c['passed']}/{sum(c.values())}" + (" **FAIL**" if c["failed"] else ""))
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines += ["", f"## Failures ({len(failures)})", ""]
    for r in failures[:200]:
        first = r["message"].strip().splitlines()[0] if r["message"].strip() else ""
        lines.append(f"- `{r['nodeid'].split('::')[-1]}`: {first[:300]}")
    if len(failures) > 200:
        lines.append(f"- ... {len(failures) - 200} more in crosscheck.json")
    (out / "crosscheck.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _autobahn_version():
    import autobahn
    return autobahn.__version__


def _binary_or_none():
    try:
        return wcli.find_binary()
    except FileNotFoundError:
        return None


@pytest.fixture(scope="session")
def bench_inputs():
    """The benchmark inputs in <WAMPBOX_BUILD_DIR>/bench/inputs, where the
    bench binaries read them by default. The build does not make them (it needs
    no Python); scripts/bench.sh and these tests write them with
    scripts/bench/gen_inputs.py, only when missing or stale."""
    sys.path.insert(0, str(REPO / "scripts" / "bench"))
    import gen_inputs
    out = wcli.build_dir() / "bench" / "inputs"
    gen_inputs.ensure(str(out))
    return out
