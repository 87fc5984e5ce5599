"""Command line of wampbox-conform.

    wampbox-conform [run] (--adapter NAME | --cmd 'COMMAND ...') [filters] [outputs]
    wampbox-conform matrix REPORT.json... --html OUT.html
    wampbox-conform adapters
    wampbox-conform live (--client NAME | --client-cmd 'COMMAND ...') [--transport rs|ws] [--serializer S] ...

Exit codes: 0 conformant (no failing case), 1 at least one failing case,
2 harness error (bad usage, corpus missing or altered, adapter cannot be
started or restarted).
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import sys
import time

from . import __version__
from . import corpus as C
from . import derive as D
from . import ops as O
from . import report as R
from .engine import HarnessError, Progress, Runner

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(CONFORMANCE)
ADAPTERS_DIR = os.path.join(CONFORMANCE, "adapters")
REGISTRY = os.path.join(ADAPTERS_DIR, "adapters.json")

EXIT_OK, EXIT_FAIL, EXIT_HARNESS = 0, 1, 2

EPILOG = """\
examples:
  wampbox-conform --adapter autobahn --out out/conformance/autobahn
  wampbox-conform --cmd 'node my_adapter.js' --layer crypto_box --json r.json
  wampbox-conform --adapter cpp --flag ModifiedTag --tcid crypto_box_test#1-40 --list
  wampbox-conform matrix out/*/report.json --html matrix.html
  wampbox-conform live --client autobahn --transport ws --serializer json --out out/live   (see live --help)

exit codes: 0 conformant, 1 failing cases, 2 harness error.
The adapter protocol is specified in conformance/PROTOCOL.md."""


def load_registry(path=REGISTRY, section="adapters"):
    """The bundled adapters ("adapters": corpus adapters, "live": live client adapters)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f).get(section, {})


def expand_command(cmd, build_dir):
    subs = {"adapters": ADAPTERS_DIR, "root": ROOT, "build": build_dir, "python": "/usr/bin/python3"}
    return [part.format(**subs) for part in cmd]


def _csv(values):
    out = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def build_parser():
    p = argparse.ArgumentParser(
        prog="wampbox-conform",
        description="Validates an implementation of WAMP-cryptobox against the wampbox test-vector corpus. The "
                    "implementation runs as a subprocess (an adapter) speaking JSON lines on stdin/stdout "
                    "(conformance/PROTOCOL.md); the runner judges every answer itself.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"wampbox-conform {__version__}")
    who = p.add_argument_group("implementation under test")
    who.add_argument("--adapter", metavar="NAME", help="a bundled adapter from conformance/adapters/adapters.json "
                     "(see `wampbox-conform adapters`)")
    who.add_argument("--cmd", metavar="COMMAND", help="the adapter command line (shell-split), e.g. 'node a.js'")
    who.add_argument("--cwd", metavar="DIR", help="working directory of the adapter")
    who.add_argument("--build-dir", metavar="DIR", default=os.environ.get("WAMPBOX_BUILD_DIR", os.path.join(ROOT, "build")),
                     help="CMake build tree holding the C++ adapter (default: $WAMPBOX_BUILD_DIR or build/)")
    sel = p.add_argument_group("case selection (each option repeatable or comma-separated; cases must match all)")
    sel.add_argument("--fixtures", metavar="DIR",
                     default=os.environ.get("WAMPBOX_CONFORM_FIXTURES") or os.path.join(ROOT, "fixtures"),
                     help="corpus directory (default: $WAMPBOX_CONFORM_FIXTURES or fixtures/)")
    sel.add_argument("--layer", action="append", metavar="L", help=f"layer: {', '.join(O.LAYERS)}")
    sel.add_argument("--op", action="append", metavar="OP", help="corpus operation (box, payload_decode, frame, ...)")
    sel.add_argument("--flag", action="append", metavar="F", help="cases carrying any of these flags")
    sel.add_argument("--exclude-flag", action="append", metavar="F", help="drop cases carrying any of these flags")
    sel.add_argument("--tcid", action="append", metavar="SPEC",
                     help="tcIds: N, N-M, or FILE#N (FILE = file stem, e.g. crypto_box_test#12)")
    sel.add_argument("--file", action="append", metavar="STEM", help="corpus file (stem or name)")
    sel.add_argument("--result", action="append", metavar="R", help="valid, invalid, acceptable")
    sel.add_argument("--list", action="store_true", help="list the selected cases and exit without running them")
    sel.add_argument("--no-derived", action="store_true",
                     help="do not run the derived negatives (every valid sealed vector re-run with its box, payload "
                          "or frame damaged; on by default, counted apart; rule in PROTOCOL.md 10.1)")
    sel.add_argument("--no-verify-manifest", action="store_true",
                     help="run even if the corpus files do not match fixtures/MANIFEST.json")
    run = p.add_argument_group("running")
    run.add_argument("--timeout", type=float, default=10.0, metavar="S", help="per-case timeout (default 10 s)")
    run.add_argument("--handshake-timeout", type=float, default=60.0, metavar="S",
                     help="time allowed to start and answer hello (default 60 s)")
    run.add_argument("--max-restarts", type=int, default=50, metavar="N",
                     help="restarts after crashes/hangs before giving up (harness error; default 50)")
    run.add_argument("--error-codes", choices=("strict", "lenient"), default="lenient",
                     help="lenient (default, as fixtures/README.md defines conformance): any rejection of an "
                          "invalid case passes, a code other than the vector's `error` is noted in the report; "
                          "strict: the code must match")
    run.add_argument("--progress", choices=("auto", "tty", "plain", "none"), default="auto",
                     help="live counter on a terminal, plain lines otherwise (default auto), on stderr")
    add_report_options(p, "HTML report (a one-column matrix)", "name shown in progress lines (default: adapter name)")
    return p


def add_report_options(p, html_help, label_help):
    """The report options write_reports() reads (also used by `live`)."""
    out = p.add_argument_group("reports")
    out.add_argument("--out", metavar="DIR", help="write report.json, junit.xml and report.html into DIR")
    out.add_argument("--json", metavar="FILE", help="JSON report")
    out.add_argument("--junit", metavar="FILE", help="JUnit XML report")
    out.add_argument("--html", metavar="FILE", help=html_help)
    out.add_argument("--label", metavar="TEXT", help=label_help)


def build_matrix_parser():
    p = argparse.ArgumentParser(prog="wampbox-conform matrix",
                                description="Combines JSON reports into one static HTML matrix (rows: layers, "
                                            "operations, flags and cases; columns: implementations).")
    p.add_argument("reports", nargs="+", help="JSON reports written by wampbox-conform")
    p.add_argument("--html", required=True, metavar="FILE", help="output HTML file")
    p.add_argument("--title", default="wampbox conformance matrix")
    return p


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "matrix":
            return cmd_matrix(argv[1:])
        if argv and argv[0] == "adapters":
            return cmd_adapters()
        if argv and argv[0] == "live":
            from .live import cmd_live
            return cmd_live(argv[1:], load_registry(section="live"), expand_command, write_reports,
                            os.environ.get("WAMPBOX_BUILD_DIR", os.path.join(ROOT, "build")), SafeStdout(sys.stdout))
        if argv and argv[0] == "run":
            argv = argv[1:]
        return cmd_run(argv)
    except HarnessError as e:
        print(f"wampbox-conform: harness error: {e}", file=sys.stderr)
        return EXIT_HARNESS
    except C.CorpusError as e:
        print(f"wampbox-conform: corpus error: {e}", file=sys.stderr)
        return EXIT_HARNESS
    except KeyboardInterrupt:
        print("wampbox-conform: interrupted", file=sys.stderr)
        return EXIT_HARNESS


def cmd_adapters():
    reg = load_registry()
    for name, a in reg.items():
        kind = " (defective, for the runner's own tests)" if a.get("defective") else ""
        print(f"{name:24s} {a.get('description', '')}{kind}")
        print(f"{'':24s} {' '.join(a['command'])}")
    print("\nlive client adapters (wampbox-conform live --client NAME; docs/live-conformance.md):")
    for name, a in load_registry(section="live").items():
        kind = " (defective, for the runner's own tests)" if a.get("defective") else ""
        print(f"{name:24s} {a.get('description', '')}{kind}")
        print(f"{'':24s} {' '.join(a['command'])}")
    return EXIT_OK


def cmd_matrix(argv):
    args = build_matrix_parser().parse_args(argv)
    reports = []
    for path in args.reports:
        try:
            reports.append(R.load_json(path))
        except (OSError, ValueError) as e:
            raise HarnessError(f"cannot read report {path}: {e}") from e
    R.write_matrix(reports, args.html, args.title)
    print(f"matrix of {len(reports)} implementation(s) -> {args.html}")
    return EXIT_OK


class Interrupted(BaseException):
    """A terminating signal arrived (SIGTERM, SIGINT, SIGHUP). BaseException,
    so that no `except Exception` on the way swallows it."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _raise_interrupted(signum, _frame):
    # Later signals while the partial report is written are ignored: the
    # report is the point of catching the first one.
    for s in TERMINATING_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


class SafeStdout:
    """stdout that tolerates a reader going away (`| head`): the first
    BrokenPipeError points fd 1 at /dev/null (so neither later writes nor the
    interpreter's final flush fail) and the run goes on; the exit code still
    follows the results."""

    def __init__(self, stream):
        self.stream = stream
        self.closed_by_reader = False

    def write(self, text):
        if self.closed_by_reader:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self._detach()

    def _detach(self):
        self.closed_by_reader = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


def cmd_run(argv):
    p = build_parser()
    args = p.parse_args(argv)
    out = SafeStdout(sys.stdout)
    try:
        tcids = [t for spec in (args.tcid or []) for t in C.parse_tcid_spec(spec)]
    except ValueError as e:
        p.error(str(e))
    cases, suite = C.load(args.fixtures, O.LAYER_BY_FILE, verify_manifest=not args.no_verify_manifest)
    sel = C.select(cases, layers=_csv(args.layer), ops=_csv(args.op), flags=_csv(args.flag),
                   exclude_flags=_csv(args.exclude_flag), tcids=tcids, files=_csv(args.file),
                   results=_csv(args.result))
    derived = [] if args.no_derived else D.derive(sel)
    if args.list:
        for c in sel + derived:
            out.write(f"{c.key:34s} {c.layer:10s} {c.op:18s} {c.result:10s} {','.join(c.flags):40s} {c.comment}\n")
        print(f"{len(sel)} of {len(cases)} cases selected (corpus {suite['version']}), "
              f"plus {len(derived)} derived negatives", file=sys.stderr)
        return EXIT_OK
    if bool(args.adapter) == bool(args.cmd):
        p.error("give exactly one of --adapter NAME or --cmd COMMAND")
    adapter_info = {}
    if args.adapter:
        reg = load_registry()
        if args.adapter not in reg:
            raise HarnessError(f"unknown adapter {args.adapter!r}; known: {', '.join(reg)}")
        adapter_info = reg[args.adapter]
        command = expand_command(adapter_info["command"], os.path.abspath(args.build_dir))
        override = os.environ.get(adapter_info.get("env_override", ""), "") if adapter_info.get("env_override") else ""
        if override:
            command = [override] + command[1:]
    else:
        command = shlex.split(args.cmd)
    if not sel:
        raise HarnessError("the filters select no case")
    label = args.label or args.adapter or os.path.basename(command[0])
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    runner = Runner(command, cwd=args.cwd, timeout=args.timeout, handshake_timeout=args.handshake_timeout,
                    max_restarts=args.max_restarts, suite_version=suite["version"], error_codes=args.error_codes)
    ctx = {"args": args, "suite": suite, "cases": cases, "sel": sel, "derived": derived, "command": command,
           "adapter_info": adapter_info, "started": started, "t0": t0, "label": label}
    old = {s: signal.signal(s, _raise_interrupted) for s in TERMINATING_SIGNALS}
    interrupted = None
    handshake_error = None
    try:
        try:
            hello = runner.start()
        except HarnessError as e:
            handshake_error = str(e)
            hello = None
        if hello is not None:
            im = hello["implementation"]
            progress = Progress(args.progress, len(sel) + len(derived), label)
            for w in suite["warnings"]:
                progress.note("corpus warning: " + w)
            runner.progress = progress
            progress.note(f"{im['name']} {im['version']}, profile "
                          f"{json.dumps(hello.get('profile', {}), sort_keys=True)}, {len(sel)} cases"
                          + (f" + {len(derived)} derived negatives" if derived else " (derived negatives off)"))
            runner.run(sel + derived)
        runner.close()
    except Interrupted as e:
        interrupted = e.signum
    finally:
        # After a signal the adapter's whole process group goes at once (no bye,
        # no grace period); kill() after a normal close() is a no-op.
        runner.kill()
    # From here on a signal only changes the exit code: the reports are written.
    late = []
    for s in TERMINATING_SIGNALS:
        signal.signal(s, lambda signum, _f: late.append(signum))
    try:
        rep = build_report(ctx, runner, runner.hello, handshake_error, interrupted)
        outs = write_reports(rep, args)
        print_summary(rep, out)
        for o in outs:
            out.write(f"  report: {o}\n")
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if interrupted is None and late:
        interrupted = late[0]
    if interrupted is not None:
        name = signal.Signals(interrupted).name
        print(f"wampbox-conform: interrupted by {name}: adapter stopped, partial report "
              f"({len(runner.records)} of {len(sel) + len(derived)} cases run) marked incomplete", file=sys.stderr)
        return 128 + interrupted
    if handshake_error:
        print(f"wampbox-conform: harness error: {handshake_error}", file=sys.stderr)
        return EXIT_HARNESS
    if runner.harness_error:
        print(f"wampbox-conform: harness error: {runner.harness_error}", file=sys.stderr)
        return EXIT_HARNESS
    return EXIT_OK if rep["summary"]["fail"] == 0 and rep["derived_summary"]["fail"] == 0 else EXIT_FAIL


def _not_run(cases, why):
    recs = []
    for c in cases:
        rec = c.record()
        rec.update(verdict="fail", failure_kind="harness", reason="not run: " + why, expected={}, actual={},
                   evidence="", judged_as="", checks=[], time_ms=0.0)
        recs.append(rec)
    return recs


def build_report(ctx, runner, hello, handshake_error, interrupted):
    """The JSON report (also for a run that never started or was cut short)."""
    args, suite, sel, derived = ctx["args"], ctx["suite"], ctx["sel"], ctx["derived"]
    records = list(runner.records)
    done_keys = {r["key"] for r in records}
    corpus_recs = [r for r in records if "derived_from" not in r]
    derived_recs = [r for r in records if "derived_from" in r]
    if handshake_error:
        # Nothing ran: every selected case is reported as not run (never dropped).
        corpus_recs = _not_run(sel, "the adapter failed its handshake")
        derived_recs = _not_run(derived, "the adapter failed its handshake")
    incomplete = interrupted is not None
    summary = R.summarize(corpus_recs)
    dsummary = R.summarize(derived_recs)
    if handshake_error or runner.harness_error:
        verdict = "harness_error"
    elif incomplete:
        verdict = "incomplete"
    else:
        verdict = "conformant" if summary["fail"] == 0 and dsummary["fail"] == 0 else "nonconformant"
    if hello is not None:
        im = hello["implementation"]
        implementation = {"name": im["name"], "version": im["version"], "language": im.get("language", ""),
                          "description": im.get("description", ""), "profile": hello.get("profile", {}),
                          "supports": hello["supports"]}
    else:
        implementation = {"name": ctx["label"], "version": "unknown (no hello)", "language": "",
                          "description": "the adapter did not complete the handshake", "profile": {}, "supports": {}}
    harness = handshake_error or runner.harness_error or ""
    return {
        "format": R.REPORT_FORMAT,
        "verdict": verdict,
        "incomplete": incomplete,
        "implementation": implementation,
        "adapter": {"name": args.adapter or "", "command": ctx["command"], "restarts": runner.restarts,
                    "restart_log": runner.restart_log[:100], "defective": bool(ctx["adapter_info"].get("defective"))},
        "suite": {k: suite[k] for k in ("name", "version", "manifest_sha256", "files", "other_files", "warnings")},
        "run": {"runner": f"wampbox-conform {__version__}", "started": ctx["started"].isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - ctx["t0"], 3), "host": platform.node(),
                "python": platform.python_version(), "timeout_s": args.timeout, "error_codes": args.error_codes,
                "filters": {"layer": _csv(args.layer), "op": _csv(args.op), "flag": _csv(args.flag),
                            "exclude_flag": _csv(args.exclude_flag), "tcid": args.tcid or [],
                            "file": _csv(args.file), "result": _csv(args.result)},
                "selected": len(sel), "corpus_total": len(ctx["cases"]), "harness_error": harness,
                "handshake_error": handshake_error or "",
                "interrupted_by": signal.Signals(interrupted).name if incomplete else "",
                "not_run": (len(sel) + len(derived) - len(done_keys)) if incomplete else 0,
                "derived": {"enabled": not args.no_derived, "selected": len(derived), "rule": D.RULE}},
        "summary": summary,
        "cases": corpus_recs,
        "derived_summary": dsummary,
        "derived_cases": derived_recs,
    }


def write_reports(rep, args):
    outs = []
    json_path, junit_path, html_path = args.json, args.junit, args.html
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        json_path = json_path or os.path.join(args.out, "report.json")
        junit_path = junit_path or os.path.join(args.out, "junit.xml")
        html_path = html_path or os.path.join(args.out, "report.html")
    for path, writer in ((json_path, R.write_json), (junit_path, R.write_junit)):
        if path:
            d = os.path.dirname(os.path.abspath(path))
            os.makedirs(d, exist_ok=True)
            writer(rep, path)
            outs.append(path)
    if html_path:
        im = rep["implementation"]
        R.write_matrix([rep], html_path, f"wampbox conformance: {im['name']} {im['version']}")
        outs.append(html_path)
    return outs


def print_summary(rep, out):
    im, s = rep["implementation"], rep["summary"]
    prof = ", ".join(f"{k}={v}" for k, v in sorted(im.get("profile", {}).items())) or "none declared"
    out.write(f"{im['name']} {im['version']} [{rep['verdict']}] pass {s['pass']}, fail {s['fail']}, "
              f"unsupported {s['unsupported']} of {s['total']} in {rep['run']['duration_s']:.1f}s "
              f"(profile: {prof}; restarts: {rep['adapter']['restarts']})\n")
    for layer, e in sorted(s["by_layer"].items()):
        out.write(f"  {layer:11s} pass {e['pass']:5d}  fail {e['fail']:4d}  unsupported {e['unsupported']:5d}\n")
    d = rep.get("derived_summary")
    if d and d["total"]:
        out.write(f"  derived     pass {d['pass']:5d}  fail {d['fail']:4d}  unsupported {d['unsupported']:5d}"
                  f"  (derived negatives, counted apart)\n")
    elif not rep["run"].get("derived", {}).get("enabled", True):
        out.write("  derived negatives: off (--no-derived)\n")
    if rep.get("incomplete"):
        out.write(f"  INCOMPLETE: interrupted by {rep['run']['interrupted_by']}; {rep['run']['not_run']} case(s) "
                  f"not run\n")
    if rep["run"].get("handshake_error"):
        out.write(f"  HARNESS ERROR: {rep['run']['handshake_error'].splitlines()[0]}\n")
    if s.get("error_code_differs"):
        out.write(f"  {s['error_code_differs']} rejection(s) with an error code other than the vector advises "
                  f"(not a failure; see the report)\n")
    for what, summ, cases in (("", s, rep["cases"]), ("derived ", d, rep.get("derived_cases", []))):
        if not summ or not summ["fail"]:
            continue
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(summ["failure_kinds"].items()))
        out.write(f"  {what}failures by kind: {kinds}\n")
        shown = 0
        for c in cases:
            if c["verdict"] == "fail" and shown < 8:
                out.write(f"    {c['key']} [{c['op']}] {c['reason'][:110]}\n")
                shown += 1
        if summ["fail"] > shown:
            out.write(f"    ... {summ['fail'] - shown} more in the report\n")
