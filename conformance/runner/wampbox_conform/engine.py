"""The run loop: support check, requests, per-case timeout, crash/hang
detection and restart, judging, progress."""

import hashlib
import json
import sys
import time

from . import ops as O
from .adapter import AdapterError, AdapterProcess


class HarnessError(Exception):
    """The run cannot be carried out (exit code 2)."""


class Progress:
    """Live counter on a TTY, plain lines otherwise, nothing if quiet."""

    def __init__(self, mode, total, label, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "tty" if self.stream.isatty() else "plain"
        self.mode = mode
        self.total = total
        self.label = label
        self.counts = {"pass": 0, "fail": 0, "unsupported": 0}
        self.done = 0
        self.last = 0.0
        self.cur_op = None
        self.op_counts = None

    def case(self, c, rec):
        self.done += 1
        self.counts[rec["verdict"]] += 1
        if self.mode == "tty":
            now = time.monotonic()
            if now - self.last > 0.08 or self.done == self.total:
                self.last = now
                pct = 100.0 * self.done / max(1, self.total)
                self.stream.write(f"\r\x1b[K{self.label}: [{self.done}/{self.total} {pct:5.1f}%] "
                                  f"pass {self.counts['pass']}  fail {self.counts['fail']}  "
                                  f"unsupported {self.counts['unsupported']}  ({c.layer}/{c.op})")
                self.stream.flush()
            if rec["verdict"] == "fail":
                self.stream.write(f"\r\x1b[K  FAIL {c.key} [{c.op}] {rec['reason'][:150]}\n")
        elif self.mode == "plain":
            key = (c.file_stem, c.op)
            if key != self.cur_op:
                self._flush_op()
                self.cur_op = key
                self.op_counts = {"pass": 0, "fail": 0, "unsupported": 0}
            self.op_counts[rec["verdict"]] += 1
            if rec["verdict"] == "fail":
                self.stream.write(f"{self.label}:   FAIL {c.key} [{c.op}] {rec['reason'][:150]}\n")
                self.stream.flush()

    def _flush_op(self):
        if self.mode == "plain" and self.cur_op is not None:
            oc = self.op_counts
            self.stream.write(f"{self.label}: [{self.done}/{self.total}] {self.cur_op[0]}/{self.cur_op[1]}: "
                              f"pass {oc['pass']} fail {oc['fail']} unsupported {oc['unsupported']}\n")
            self.stream.flush()

    def finish(self):
        if self.mode == "tty":
            self.stream.write("\n")
            self.stream.flush()
        else:
            self._flush_op()

    def note(self, text):
        if self.mode == "none":
            return
        if self.mode == "tty":
            self.stream.write("\r\x1b[K")
        self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()


def support_gap(case, hello):
    """Why the adapter's hello rules this case out, or None."""
    sup = hello["supports"]
    layers, ops = sup.get("layers", []), sup.get("operations", [])
    if case.layer not in layers:
        return f"layer {case.layer!r} not supported"
    need = O.protocol_ops(case)
    missing = [o for o in need if o not in ops]
    if missing:
        return f"operation(s) {', '.join(missing)} not supported"
    ser = O.serializer_of(case)
    if ser and ser not in sup.get("serializers", []):
        return f"serializer {ser!r} not supported"
    for mt in O.message_types_of(case):
        if mt not in sup.get("message_types", []):
            return f"message type {mt} not supported"
    bad = sorted(set(case.flags) & set(sup.get("unsupported_flags", [])))
    if bad:
        return f"declared unsupported feature(s): {', '.join(bad)}"
    return None


class Runner:
    def __init__(self, command, cwd=None, timeout=10.0, handshake_timeout=60.0, max_restarts=50,
                 suite_version="", progress=None, error_codes="strict", env=None):
        self.command = command
        self.cwd = cwd
        self.timeout = timeout
        self.handshake_timeout = handshake_timeout
        self.max_restarts = max_restarts
        self.suite_version = suite_version
        self.progress = progress
        self.error_codes = error_codes
        self.env = env
        self.proc = None
        self.hello = None
        self.restarts = 0
        self.restart_log = []
        self.harness_error = None
        self.records = []
        self._starting = None

    def _spawn(self):
        p = AdapterProcess(self.command, cwd=self.cwd, env=self.env, handshake_timeout=self.handshake_timeout,
                           suite_version=self.suite_version)
        # Kept while the handshake runs, so kill() (a signal) reaches it too.
        self._starting = p
        hello = p.start()
        self._starting = None
        if self.hello is not None:
            # A restarted adapter must be the same implementation.
            a = (self.hello["implementation"], self.hello.get("profile"), self.hello["supports"])
            b = (hello["implementation"], hello.get("profile"), hello["supports"])
            if a != b:
                p.kill()
                raise AdapterError("start", "the restarted adapter declared a different hello")
        self.proc = p
        self.hello = hello
        return hello

    def start(self):
        try:
            return self._spawn()
        except AdapterError as e:
            raise HarnessError(f"{e}" + (f"\nadapter stderr:\n{e.stderr_tail}" if e.stderr_tail else "")) from e

    def close(self):
        if self.proc is not None:
            self.proc.close()
            self.proc = None

    def _restart(self, why):
        if self.proc is not None:
            self.proc.kill()
            self.proc = None
        if self.harness_error:
            return False
        if self.restarts >= self.max_restarts:
            self.harness_error = f"adapter needed more than {self.max_restarts} restarts; giving up"
            return False
        self.restarts += 1
        self.restart_log.append(why)
        try:
            self._spawn()
            return True
        except AdapterError as e:
            self.harness_error = f"adapter could not be restarted after {why}: {e}"
            return False

    def run_case(self, case):
        """Runs one case; returns its report record."""
        rec = case.record()
        t0 = time.monotonic()
        profile = self.hello.get("profile", {}) or {}
        if self.harness_error:
            rec.update(verdict="fail", failure_kind="harness", reason="not run: " + self.harness_error,
                       expected={}, actual={}, evidence="", judged_as="", checks=[])
            rec["time_ms"] = 0.0
            return rec
        gap = support_gap(case, self.hello)
        if gap:
            rec.update(verdict="unsupported", reason=gap, expected={}, actual={}, evidence="", judged_as="",
                       checks=[])
            rec["time_ms"] = 0.0
            return rec
        try:
            plan = O.plan(case, profile)
        except O.CorpusShapeError as e:
            raise HarnessError(f"{case.key}: {e}") from e
        rec["judged_as"] = plan.judged_as
        rec["profile_note"] = plan.profile_note
        deadline = t0 + self.timeout
        results = []
        for chk in plan.checks:
            if self.proc is None or not self.proc.alive():
                if not self._restart(f"{case.key}: adapter not running"):
                    break
            left = max(0.05, deadline - time.monotonic())
            try:
                resp = self.proc.request(self.proc_next_id(), chk.op, chk.input, left)
            except AdapterError as e:
                results.append((chk, {"status": "harness_" + e.kind, "message": str(e),
                                      "stderr_tail": e.stderr_tail}))
                self._restart(f"{e.kind} on {case.key} ({chk.op})")
                break
            results.append((chk, resp))
        verdict = O.judge(case, plan, results, self.error_codes)
        if self.harness_error and len(results) < len(plan.checks) and verdict["verdict"] != "fail":
            verdict = {"verdict": "fail", "failure_kind": "harness", "reason": "not run: " + self.harness_error,
                       "evidence": ""}
        rec.update(verdict)
        rec["expected"] = O.compact(plan.expected_summary())
        rec["actual"] = O.compact(O.actual_summary(results))
        rec["checks"] = [{"op": c.op, "expect": c.expect, "status": r.get("status")} for c, r in results]
        rec["time_ms"] = round((time.monotonic() - t0) * 1000.0, 3)
        return rec

    _rid = 0

    def proc_next_id(self):
        self._rid += 1
        return self._rid

    def run(self, cases):
        """Runs the cases in order. The records are also kept in self.records
        as they are made, so a run cut short by a signal still has them."""
        self.records = []
        for c in cases:
            rec = bound_record(self.run_case(c))
            self.records.append(rec)
            if self.progress:
                self.progress.case(c, rec)
        if self.progress:
            self.progress.finish()
        return self.records

    def kill(self):
        """Kills the adapter's process group at once (no bye): for signals."""
        for p in (self.proc, self._starting):
            if p is not None:
                p.kill()
        self.proc = self._starting = None


# Per-case evidence kept in memory and in the reports. An adapter may answer
# with outputs of any size (or garbage); a report must stay readable and the
# runner's memory bounded by cases x these caps, not by what adapters write.
MAX_REASON_CHARS = 1000
MAX_EVIDENCE_CHARS = 8192
MAX_SIDE_CHARS = 16384  # expected / actual, as JSON text, after O.compact


def _cap_text(s, n):
    if not isinstance(s, str) or len(s) <= n:
        return s
    return s[:n] + f"\n... [{len(s) - n} more characters cut by the runner]"


def _cap_json(v, n):
    try:
        text = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(v)
    if len(text) <= n:
        return v
    return {"truncated": True, "chars": len(text), "sha256": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest(),
            "head": text[:1024]}


def bound_record(rec):
    """The record with reason, evidence, expected and actual cut to the caps."""
    rec["reason"] = _cap_text(rec.get("reason", ""), MAX_REASON_CHARS)
    rec["evidence"] = _cap_text(rec.get("evidence", ""), MAX_EVIDENCE_CHARS)
    for k in ("expected", "actual"):
        if k in rec:
            rec[k] = _cap_json(rec[k], MAX_SIDE_CHARS)
    return rec
