"""Reading Google Benchmark JSON (--benchmark_out) as wampbox_bench writes it.

Benchmark names (bench/*.cc):
  crypto/seal/{afternm,easy,wampbox}/<n>, crypto/open/..., crypto/nonce,
  crypto/beforenm[/wampbox], crypto/keygen[/wampbox]
  ser/plaintext_{write,parse}/<shape>/<size>
  ser/frame_{encode,decode}/<ser>/{encrypted,plain}/<shape>/<size>
  ser/base64_{encode,decode}/<n>
  path/{sender,receiver}/<ser>/<TYPE>/<shape>/<size>
  path/ceiling/{seal,open}/<shape>/<size>
  mt/.../real_time/threads:{1,2}
Counters: items_per_second (messages/s), bytes_per_second, bytes (per
message: plaintext for crypto/path, text or frame for ser), allocs_per_msg.
"""

import json
import statistics

# The key subset for timing comparisons against bench/baselines/timing.json
# (compare.py) and for the Autobahn side-by-side runs.
GATE_FILTER = (r"^(path/(sender|receiver)/(json|msgpack)/(PUBLISH|EVENT)/small_rpc/(256|65536)"
               r"|path/ceiling/seal/small_rpc/(256|65536)|crypto/seal/afternm/(256|65536))$")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def iteration_runs(doc):
    """run_name -> list of per-repetition entries (run_type 'iteration'),
    skipping benchmarks that reported an error."""
    out = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        out.setdefault(b.get("run_name", b["name"]), []).append(b)
    return out


def errors(doc):
    """(name, message) of every benchmark that reported an error."""
    return [(b["name"], b.get("error_message", "")) for b in doc.get("benchmarks", []) if b.get("error_occurred")]


def time_metric(run_name):
    """Wall time for the threaded (UseRealTime) runs, else CPU time: on a
    shared machine CPU time is what the process itself spent."""
    return "real_time" if "/real_time" in run_name else "cpu_time"


class Results:
    """Medians over repetitions of one wampbox_bench run."""

    def __init__(self, doc):
        self.doc = doc
        self.runs = iteration_runs(doc)
        self.context = doc.get("context", {})

    @classmethod
    def from_file(cls, path):
        return cls(load(path))

    def names(self):
        return list(self.runs)

    def has(self, name):
        return name in self.runs

    def samples(self, name, field):
        return [float(e[field]) for e in self.runs.get(name, []) if field in e]

    def median(self, name, field):
        s = self.samples(name, field)
        return statistics.median(s) if s else None

    def rate(self, name):
        """Messages per second (median over repetitions)."""
        return self.median(name, "items_per_second")

    def bps(self, name):
        """Bytes per second (median over repetitions)."""
        return self.median(name, "bytes_per_second")

    def repetitions(self, name):
        return len(self.runs.get(name, []))


def fmt_rate(v):
    if v is None:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= div:
            return f"{v / div:.3g} {unit}"
    return f"{v:.3g} "


def fmt_bytes_rate(v):
    if v is None:
        return "-"
    for unit, div in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if v >= div:
            return f"{v / div:.3g} {unit}"
    return f"{v:.3g} B/s"


def fmt_size(n):
    n = int(n)
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"
