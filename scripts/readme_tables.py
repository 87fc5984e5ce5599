#!/usr/bin/python3
"""The README's result tables, generated from a committed run.

    # 1. run the stages (conformance, bench, backends) of the main job:
    bash scripts/run.sh --out out --stages conformance,bench,backends
    # 2. keep what the README shows from that run (small: summaries only;
    #    run.sh writes the same to out/results.json when all three stages ran):
    /usr/bin/python3 scripts/readme_tables.py collect out --out docs/results/run.json
    #    or refresh some sections from another run, keeping the others:
    /usr/bin/python3 scripts/readme_tables.py collect out2 --sections conformance,backends
    # 3. rewrite the tables in README.md between their markers:
    /usr/bin/python3 scripts/readme_tables.py write
    # the test command runs this (tests/py/test_readme_tables.py):
    /usr/bin/python3 scripts/readme_tables.py check

The README holds four generated blocks, each between
<!-- BEGIN GENERATED <name> (scripts/readme_tables.py) --> and
<!-- END GENERATED <name> -->: "conformance" (per adapter, from
OUT/conformance/<adapter>/report.json), "performance" (the issue's targets
and their context ratios, from OUT/bench/targets.json, rendered by
scripts/bench/targets.py's own markdown()), "goals" (issue 14's goals with
their measured ratios, from OUT/goals.json, else OUT/bench/goals.json,
rendered by scripts/bench/goals.py's markdown()) and "backends" (from
OUT/backends/backends_summary.json and OUT/backends/corpus/<backend>.json).
docs/performance.md holds one, "simd" (the SIMD kernels' speed-ups, from
OUT/bench/simd.json, rendered by scripts/bench/simd.py's markdown(), with its
plot, which collect copies from OUT/bench/simd.png next to the run JSON).
Every number in them comes from the run JSON; nothing is typed in. Each
section of the run JSON records the command and the commit it came from.

Exit status: 0 done (check: README matches), 1 check found a difference
(printed as a diff), 2 usage error or missing run output.
"""

import argparse
import difflib
import glob
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "bench"))

import goals as bench_goals  # noqa: E402  (scripts/bench/goals.py: issue 14's goals)
import simd as bench_simd  # noqa: E402  (scripts/bench/simd.py: the SIMD speed-ups)
import targets as bench_targets  # noqa: E402  (scripts/bench/targets.py: the targets table)
from targets import md_cell as cell  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results", "run.json")
README = os.path.join(ROOT, "README.md")
PERF_DOC = os.path.join(ROOT, "docs", "performance.md")
BEGIN = "<!-- BEGIN GENERATED %s (scripts/readme_tables.py) -->"
END = "<!-- END GENERATED %s -->"
BLOCKS = ("conformance", "performance", "goals", "backends")  # in README.md
DOC_BLOCKS = ("simd",)  # in docs/performance.md
SIMD_PNG = "simd.png"  # beside the run JSON (docs/results/)
ADAPTER_ORDER = ("cpp", "autobahn", "pynacl", "tweetnacl-js", "libsodium-js")
BACKEND_ORDER = ("libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan")
SEAL_SIZES = (256, 4096, 65536)


class Missing(Exception):
    """A run output the collector needs is absent or unreadable."""


def _load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise Missing(f"{path}: {e}") from e


def _git(*args):
    p = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=False)
    return p.stdout.strip() if p.returncode == 0 else None


def _ordered(names, order):
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


# -- collect: run output directory -> the small run JSON ------------------------

def collect_conformance(run_dir):
    reports = sorted(glob.glob(os.path.join(run_dir, "conformance", "*", "report.json")))
    if not reports:
        raise Missing(f"no {run_dir}/conformance/<adapter>/report.json (run the conformance stage)")
    adapters, suite = {}, None
    for path in reports:
        r = _load(path)
        s, im = r["summary"], r["implementation"]
        suite = {"name": r["suite"]["name"], "version": r["suite"]["version"], "vectors": s["total"]}
        failing = {flag: c["fail"] for flag, c in s["by_flag"].items() if c.get("fail")}
        adapters[os.path.basename(os.path.dirname(path))] = {
            "implementation": im["name"], "version": im.get("version", ""),
            "profile": im.get("profile", {}),
            "pass": s["pass"], "fail": s["fail"], "unsupported": s["unsupported"], "total": s["total"],
            "failure_kinds": s.get("failure_kinds", {}),
            "failing_flags": dict(sorted(failing.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
    return {"suite": suite, "adapters": adapters}


def collect_bench(run_dir):
    t = _load(os.path.join(run_dir, "bench", "targets.json"))
    ctx = _load(os.path.join(run_dir, "bench", "wampbox.json")).get("context", {})
    keep = ("date", "num_cpus", "mhz_per_cpu", "load_avg", "wampbox_build", "libsodium")
    out = {"targets": t["targets"], "context": t["context"], "machine": {k: ctx[k] for k in keep if k in ctx}}
    # Issue 14: the goals (run.sh writes OUT/goals.json with the backends stage's numbers too; the bench
    # stage alone writes OUT/bench/goals.json) and the SIMD speed-ups. Absent from older runs.
    for path in (os.path.join(run_dir, "goals.json"), os.path.join(run_dir, "bench", "goals.json")):
        if os.path.exists(path):
            out["goals"] = _load(path)["goals"]
            break
    simd_path = os.path.join(run_dir, "bench", "simd.json")
    if os.path.exists(simd_path):
        out["simd"] = _load(simd_path)["rows"]
    return out


def collect_backends(run_dir):
    s = _load(os.path.join(run_dir, "backends", "backends_summary.json"))
    corpus = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "backends", "corpus", "*.json"))):
        r = _load(path)
        corpus[r["backend"]] = {"description": r["description"], "passed": r["passed"],
                                "tests": r["corpus"]["tests"], "failed": r["corpus"]["failed"],
                                "profile": {k: r["profile"][k] for k in ("observed_low_order", "low_order_rejected",
                                                                         "low_order_accepted")},
                                "known_deviation": r.get("known_deviation")}
    if not corpus:
        raise Missing(f"no {run_dir}/backends/corpus/<backend>.json (run the backends stage)")
    seal = ["seal/%d" % n for n in SEAL_SIZES]
    return {
        "machine": s["machine"], "versions": s["versions"], "date": s["date"], "published": s["published"],
        "excluded": s["excluded"], "corpus": corpus,
        "seal_ratio": {b: {k: d["ratio_to_libsodium"].get(k) for k in seal} for b, d in s["backends"].items()},
        "references": {c: {"label": d["label"], "seal_ratio": {k: d["ratio_to_libsodium"].get(k) for k in seal}}
                       for c, d in s["references"].items()},
    }


COLLECT = {"conformance": collect_conformance, "bench": collect_bench, "backends": collect_backends}


def collect(run_dir, command, commit=None, sections=tuple(COLLECT), previous=None):
    """The run JSON: `previous` (a run JSON, or None) with `sections`
    replaced by what run_dir holds. Each section records the command and the
    commit it came from, so sections of different runs stay attributable."""
    if commit is None:
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
        commit = (_git("rev-parse", "--short=7", "HEAD") or "unknown") + ("+local changes" if dirty else "")
    run = dict(previous or {})
    for name in sections:
        run[name] = dict(COLLECT[name](run_dir), command=command, commit=commit)
    missing = [n for n in COLLECT if n not in run]
    if missing:
        raise Missing(f"the run JSON would lack {', '.join(missing)}: collect them from a run that has them")
    return {n: run[n] for n in COLLECT}


# -- render: run JSON -> README blocks --------------------------------------------

def _profile(p):
    return ", ".join(f"{k}={v}" for k, v in sorted(p.items())) or "-"


def render_conformance(run):
    c = run["conformance"]
    su = c["suite"]
    out = [f"Corpus {su['version']}: {su['vectors']} vectors. From `{c['command']}` at commit `{c['commit']}` "
           "(summaries in [docs/results/run.json](docs/results/run.json); the full reports are the stage's "
           "`conformance/<adapter>/report.json`).", "",
           "| adapter | implementation | pass | fail | unsupported | profile | failing cases by flag |",
           "|---|---|---:|---:|---:|---|---|"]
    for name in _ordered(c["adapters"], ADAPTER_ORDER):
        a = c["adapters"][name]
        flags = ", ".join(f"`{f}` {n}" for f, n in a["failing_flags"].items()) or "-"
        out.append(f"| {name} | {cell(a['implementation'])} {cell(a['version'])} | {a['pass']} | {a['fail']} | "
                   f"{a['unsupported']} | {cell(_profile(a['profile']))} | {flags} |")
    return out


def render_performance(run):
    b = run["bench"]
    out = [f"From {_bench_source(b)}, the stage's `bench/targets.json`:", ""]
    out += bench_targets.markdown(b["targets"], b["context"]).rstrip("\n").split("\n")
    return out


def _bench_source(b):
    m = b["machine"]
    load = m.get("load_avg")
    load_txt = f", load average {', '.join(f'{x:.1f}' for x in load)}" if load else ""
    return (f"`{b['command']}` at commit `{b['commit']}` ({m.get('date', '?')}, {m.get('num_cpus', '?')} CPUs"
            f"{load_txt}; build {m.get('wampbox_build', '?')}, libsodium {m.get('libsodium', '?')})")


def render_goals(run):
    b = run["bench"]
    if "goals" not in b:
        return ["Not in the committed run (it predates scripts/bench/goals.py): rerun "
                "`bash scripts/run.sh --stages backends,bench` and collect it."]
    return ([f"From {_bench_source(b)}, `goals.json` of the run (`scripts/bench/goals.py`):", ""]
            + bench_goals.markdown(b["goals"]).rstrip("\n").split("\n"))


def render_simd(run):
    b = run["bench"]
    if "simd" not in b:
        return ["Not in the committed run (it predates bench/bench_simd.cc): rerun `bash scripts/run.sh --stages "
                "bench` and collect it."]
    return ([f"From {_bench_source(b)}, the stage's `bench/simd.json` (`scripts/bench/simd.py`); rates are input "
             "bytes (frames for the heads) per CPU second, medians over the run's repetitions:", ""]
            + bench_simd.markdown(b["simd"]).rstrip("\n").split("\n")
            + ["", f"![SIMD kernels vs their scalar twins and library baselines](results/{SIMD_PNG})"])


def _ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def render_backends(run):
    k = run["backends"]
    sizes = [f"seal/{n}" for n in SEAL_SIZES]
    size_names = {256: "256 B", 4096: "4 KiB", 65536: "64 KiB"}
    out = [f"From `{k['command']}` at commit `{k['commit']}` ({k['date']}; libsodium "
           f"{k['versions'].get('libsodium', '?')}, {k['versions'].get('openssl', '?')}). Seal throughput relative "
           "to libsodium (medians, one run; a backend is timed only after it passes the corpus):", "",
           "| backend | corpus | low-order keys | " + " | ".join(f"seal {size_names[n]}" for n in SEAL_SIZES) + " |",
           "|---|---|---|" + "---:|" * len(SEAL_SIZES)]
    excluded = {e["backend"]: e["reason"] for e in k["excluded"]}
    for b in _ordered(k["corpus"], BACKEND_ORDER):
        c = k["corpus"][b]
        verdict = f"pass {c['tests']}" if c["passed"] else f"**fails {c['failed']} of {c['tests']}**"
        p = c["profile"]
        lo = f"{p['observed_low_order']} ({p['low_order_rejected']} rejected, {p['low_order_accepted']} computed)"
        if b in k["seal_ratio"]:
            cells = [_ratio(k["seal_ratio"][b][s]) for s in sizes]
        else:
            cells = ["not timed: " + cell(excluded.get(b, "no numbers"))] + [""] * (len(sizes) - 1)
        out.append(f"| {b}: {cell(c['description'])} | {verdict} | {lo} | " + " | ".join(cells) + " |")
    for c, d in k["references"].items():
        out.append(f"| *ref:* {cell(d['label'])} | | | " + " | ".join(_ratio(d["seal_ratio"][s]) for s in sizes) + " |")
    return out


RENDER = {"conformance": render_conformance, "performance": render_performance, "goals": render_goals,
          "backends": render_backends, "simd": render_simd}


def render(readme_text, run, blocks=BLOCKS):
    """`readme_text` with each of `blocks` replaced by its rendering of `run`.
    Raises ValueError when a block's markers are missing."""
    for name in blocks:
        begin, end = BEGIN % name, END % name
        pat = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if not pat.search(readme_text):
            raise ValueError(f"README has no '{begin}' ... '{end}' block")
        body = "\n".join([begin] + RENDER[name](run) + [end])
        readme_text = pat.sub(lambda _m, body=body: body, readme_text, count=1)
    return readme_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("collect", help="summarise a run.sh --out directory into the run JSON")
    p.add_argument("run_dir")
    p.add_argument("--out", default=RESULTS)
    p.add_argument("--command", default="bash scripts/run.sh --stages conformance,bench,backends",
                   help="the command that produced run_dir, recorded in the JSON")
    p.add_argument("--commit", help="the commit run_dir was produced at (default: this checkout's HEAD)")
    p.add_argument("--sections", default=",".join(COLLECT),
                   help="which sections to take from run_dir; the others are kept from --out if it exists")
    for name in ("write", "check"):
        p = sub.add_parser(name)
        p.add_argument("--results", default=RESULTS)
        p.add_argument("--readme", default=README)
        p.add_argument("--performance-doc", default=PERF_DOC, help="docs/performance.md (the simd block)")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "collect":
            sections = [x for x in a.sections.split(",") if x]
            bad = [x for x in sections if x not in COLLECT]
            if bad:
                raise ValueError(f"unknown section(s) {bad}; have {list(COLLECT)}")
            previous = _load(a.out) if os.path.exists(a.out) else None
            run = collect(a.run_dir, a.command, a.commit, sections, previous)
            os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
            with open(a.out, "w", encoding="utf-8") as f:
                json.dump(run, f, indent=1, sort_keys=False)
                f.write("\n")
            print(f"readme_tables: wrote {a.out}")
            png = os.path.join(a.run_dir, "bench", SIMD_PNG)
            if "bench" in sections and os.path.exists(png):
                shutil.copyfile(png, os.path.join(os.path.dirname(os.path.abspath(a.out)), SIMD_PNG))
                print(f"readme_tables: copied {png} beside it")
            return 0
        run = _load(a.results)
        docs = []  # (path, old text, new text)
        for path, blocks in ((a.readme, BLOCKS), (a.performance_doc, DOC_BLOCKS)):
            with open(path, encoding="utf-8") as f:
                old = f.read()
            docs.append((path, old, render(old, run, blocks)))
    except (Missing, ValueError, KeyError) as e:
        print(f"readme_tables: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    rc = 0
    for path, old, new in docs:
        name = os.path.basename(path)
        if a.cmd == "write":
            if new != old:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
            print(f"readme_tables: {path} {'updated' if new != old else 'already current'}")
        elif new != old:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), name,
                                                       f"{name} (generated from {os.path.relpath(a.results, ROOT)})"))
            print(f"readme_tables: {name} differs from its run JSON; run scripts/readme_tables.py write")
            rc = 1
        else:
            print(f"readme_tables: {name} matches " + os.path.relpath(a.results, ROOT))
    return rc


if __name__ == "__main__":
    sys.exit(main())
