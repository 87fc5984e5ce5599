#!/usr/bin/env python3
"""Differential test of wampbox's float writing and reading against CPython.

Autobahn|Python writes a float with repr() (json.dumps) and reads one with
float() (json.loads); wampbox must give the same bytes and the same doubles.
This drives tests/floatdiff's `wampbox_floatdiff` filter, which pushes floats
through wampbox's public JSON API, and compares with Autobahn's own
serializer functions (autobahn.wamp.serializer._dumps / _loads) on this
interpreter:

  repr   COUNT doubles -> json_write of an array of them, byte for byte against
         _dumps of the same list: the edge set below, then random bit patterns
         (every exponent, NaN/inf patterns included), subnormals, doubles of
         short random decimals (every layout switch of repr), and doubles of
         moderate magnitude with random mantissas;
  parse  COUNT JSON number tokens -> the doubles json_parse returns, through
         simdjson's DOM path and through the fallback reader, against _loads:
         repr strings of random doubles, random decimal strings (1..40
         significant digits, some with hundreds; exponents past both ends of
         the range), the exact midpoints between adjacent doubles and one unit
         of their last digit either side (round-half-even cases), and tokens
         that overflow to +-inf or underflow to +-0.

The edge set: every power of ten 1e-324..1e308 and 17 neighbours either side
(+-8 ulps), every power of two +-2 ulps, 0, -0, the subnormal and normal
bounds, the largest double, integers around 2^53, infinities and NaN.

Everything comes from random.Random seeded with --seed, so a run is
reproducible. Exit status 1 on any mismatch (the first ones are printed with
their bits), 2 on a usage or tool error.

  /usr/bin/python3 scripts/floatdiff.py --count 10000000 --out out/floatdiff
  /usr/bin/python3 scripts/floatdiff.py --count 100000 --bin build/tests/wampbox_floatdiff
"""

import argparse
import json
import math
import os
import struct
import subprocess
import sys
import time
from array import array
from decimal import Decimal, getcontext
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHUNK = 1 << 16


def find_tool(explicit=None):
    if explicit:
        return Path(explicit)
    build = Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))
    return build / "tests" / "wampbox_floatdiff"


def autobahn_json():
    # The very functions an Autobahn session serializes with.
    from autobahn.wamp.serializer import _dumps, _loads
    return _dumps, _loads


# -- values ---------------------------------------------------------------------------------------

def bits_to_double(u):
    return struct.unpack("<d", struct.pack("<Q", u & 0xFFFFFFFFFFFFFFFF))[0]


def double_to_bits(d):
    return struct.unpack("<Q", struct.pack("<d", d))[0]


def edge_doubles():
    out = []

    def around(d, ulps):
        u = double_to_bits(d)
        for j in range(-ulps, ulps + 1):
            if 0 <= u + j < 0x7FF0000000000000:
                out.append(bits_to_double(u + j))

    for k in range(-324, 309):
        around(float(f"1e{k}"), 8)
    for k in range(-1074, 1024):
        around(math.ldexp(1.0, k), 2)
    out += [0.0, -0.0, 5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308,
            float("inf"), float("-inf"), float("nan")]
    for j in range(-20, 21):
        out.append(float(2**53 + j))
        out.append(float(10**15 + j))
        out.append(float(10**16 + j))
    out += [-x for x in out[:]]
    return out


def random_doubles(rng, n):
    """n doubles of the four random kinds (see the module doc), as array('d')."""
    words = array("Q", rng.randbytes(8 * n))
    out = array("d", bytes(8 * n))
    for i in range(n):
        u = words[i]
        kind = u & 7  # the low bits pick the kind; the value uses the others
        if kind <= 3:  # 50%: any bit pattern
            out[i] = bits_to_double(u)
        elif kind == 4:  # 12.5%: subnormal (or zero), either sign
            out[i] = bits_to_double(u & 0x800FFFFFFFFFFFFF)
        elif kind <= 6:  # 25%: a short decimal, 1..17 digits, 10^-25..10^25
            nd = 1 + (u >> 3) % 17
            mant = (u >> 8) % (10**nd)
            e = (u >> 60) * 3 - 22 - nd + (u >> 58 & 3)
            out[i] = float(f"{'-' if u >> 63 else ''}{mant}e{e}")
        else:  # 12.5%: random mantissa, magnitude 2^-70..2^70 (repr's layout switches)
            exp = 1023 - 70 + (u >> 52) % 141
            out[i] = bits_to_double((u & 0x800FFFFFFFFFFFFF) | (exp << 52))
    return out


# -- tokens ---------------------------------------------------------------------------------------

def _digits(rng, n):
    s = str(rng.randrange(10 ** (n - 1), 10**n))
    return s


def _json_decimal(digits, exp10, rng):
    """A JSON float token for int(digits) * 10^exp10, with the decimal point
    placed at random (and the exponent adjusted)."""
    p = rng.randrange(1, len(digits) + 1)  # integer part = digits[:p]
    e = exp10 + len(digits) - p
    ip, fp = digits[:p], digits[p:]
    ip = ip.lstrip("0") or "0"
    if not fp:
        return f"{ip}e{e}" if e or rng.random() < 0.5 else f"{ip}.0"
    tok = f"{ip}.{fp}"
    if e:
        tok += rng.choice("eE") + rng.choice(["", "+"] if e > 0 else [""]) + str(e)
    return tok


def random_tokens(rng, n):
    """n JSON float tokens that simdjson is expected to accept (finite
    results), of the kinds in the module doc."""
    getcontext().prec = 2000
    out = []
    for _ in range(n):
        r = rng.random()
        sign = "-" if rng.random() < 0.5 else ""
        if r < 0.35:  # repr of a random finite double
            while True:
                d = bits_to_double(rng.getrandbits(64))
                if math.isfinite(d):
                    break
            out.append(repr(d))
        elif r < 0.80:  # random decimal
            nd = rng.randrange(1, 41) if rng.random() < 0.99 else rng.randrange(41, 400)
            digits = _digits(rng, nd)
            exp10 = rng.randrange(-345, 308) - nd  # value < 10^307: finite (overflow is range_edge_tokens')
            out.append(sign + _json_decimal(digits, exp10, rng))
        else:  # an exact midpoint of two adjacent doubles, or one unit of its last digit off
            u = rng.getrandbits(63)
            while u >= 0x7FEFFFFFFFFFFFFF:
                u = rng.getrandbits(63)
            lo, hi = Decimal(bits_to_double(u)), Decimal(bits_to_double(u + 1))
            mid = (lo + hi) / 2
            t = mid.as_tuple()
            digits = "".join(map(str, t.digits))
            nudge = rng.choice((0, 0, -1, 1))
            if nudge:
                digits = str(int(digits) + nudge)
            if int(digits) == 0:
                digits = "1"
            out.append(sign + _json_decimal(digits, t.exponent, rng))
    return out


def range_edge_tokens(rng, n):
    """Tokens at the ends of the range: overflow to +-inf, underflow to +-0,
    and the values just inside. simdjson rejects the overflowing ones, so
    these chunks go through the fallback reader whatever the DOM says."""
    out = []
    for _ in range(n):
        sign = "-" if rng.random() < 0.5 else ""
        r = rng.random()
        if r < 0.4:  # around the largest double, 1.7976931348623157e308 (overflow from ~1.797693134862315807e308)
            digits = "17976931348623158" + _digits(rng, rng.randrange(1, 20))
            digits = str(int(digits) + rng.randrange(-10**(len(digits) - 17), 10**(len(digits) - 17)))
            out.append(sign + _json_decimal(digits, 308 - len(digits) + 1, rng))
        elif r < 0.8:  # around half the smallest subnormal, 2.4703282292062327e-324
            digits = "24703282292062327" + _digits(rng, rng.randrange(1, 20))
            digits = str(int(digits) + rng.randrange(-10**(len(digits) - 15), 10**(len(digits) - 15)))
            out.append(sign + _json_decimal(digits, -324 - len(digits) + 1, rng))
        else:  # far out
            e = rng.choice((rng.randrange(309, 100000), rng.randrange(-100000, -325)))
            out.append(sign + _json_decimal(_digits(rng, rng.randrange(1, 30)), e, rng))
    return out


# -- the comparison -------------------------------------------------------------------------------

class Tool:
    def __init__(self, path, perturb=None):
        cmd = [str(path)] + (["--perturb", str(perturb)] if perturb is not None else [])
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def _fail(self, what):
        self.p.kill()
        raise SystemExit(f"floatdiff: wampbox_floatdiff failed during {what} (exit {self.p.wait()})")

    def repr(self, doubles):
        self.p.stdin.write(b"repr %d\n" % len(doubles) + doubles.tobytes())
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line.endswith(b"\n"):
            self._fail("repr")
        return line[:-1]

    def parse(self, tokens):
        self.p.stdin.write(b"parse %d\n" % len(tokens) + ("\n".join(tokens) + "\n").encode())
        self.p.stdin.flush()
        path = self.p.stdout.read(1)
        body = self.p.stdout.read(16 * len(tokens))
        if len(path) != 1 or len(body) != 16 * len(tokens):
            self._fail("parse")
        return path.decode(), body[: 8 * len(tokens)], body[8 * len(tokens):]

    def close(self):
        self.p.stdin.write(b"quit\n")
        self.p.stdin.close()
        rc = self.p.wait()
        if rc != 0:
            raise SystemExit(f"floatdiff: wampbox_floatdiff exited {rc}")


def fmt_bits(d):
    return f"{double_to_bits(d):016x}"


def run(tool, count, seed, max_report=10, log=print):
    import random

    _dumps, _loads = autobahn_json()
    res = {"seed": seed, "repr": {"count": 0, "mismatches": 0}, "parse": {
        "count": 0, "mismatches_dom": 0, "mismatches_fallback": 0, "dom_path": 0, "fallback_only": 0}}
    examples = []

    # repr: the edge set first, then random chunks.
    t0 = time.monotonic()
    edge = edge_doubles()
    done, chunk_no = 0, 0
    while done < count:
        n = min(CHUNK, count - done)
        if chunk_no == 0:
            vals = array("d", edge[:n])
            if len(vals) < n:
                vals.extend(random_doubles(random.Random(f"{seed}:repr:0"), n - len(vals)))
        else:
            vals = random_doubles(random.Random(f"{seed}:repr:{chunk_no}"), n)
        got = tool.repr(vals)
        want = _dumps(list(vals)).encode()
        if got != want:
            g, w = got[1:-1].split(b","), want[1:-1].split(b",")
            bad = [i for i in range(n) if i >= len(g) or g[i] != w[i]]
            res["repr"]["mismatches"] += len(bad)
            for i in bad[:max_report - len(examples)]:
                examples.append(f"repr #{done + i}: bits {fmt_bits(vals[i])}: wampbox {g[i].decode() if i < len(g) else '?'}"
                                f", CPython {w[i].decode()}")
        done += n
        chunk_no += 1
    res["repr"]["count"] = done
    res["repr"]["seconds"] = round(time.monotonic() - t0, 1)
    log(f"floatdiff: repr: {done} doubles, {res['repr']['mismatches']} mismatches ({res['repr']['seconds']} s)")

    # parse: random chunks, then one chunk of range-edge tokens (<= 1/64 of the count).
    t0 = time.monotonic()
    n_edge = max(1, min(CHUNK, count // 64))
    done, chunk_no = 0, 0
    while done < count:
        in_random = done < count - n_edge
        n = min(CHUNK, count - n_edge - done if in_random else count - done)
        rng = random.Random(f"{seed}:parse:{chunk_no}")
        toks = random_tokens(rng, n) if in_random else range_edge_tokens(rng, n)
        path, dom, fallback = tool.parse(toks)
        want = array("d", _loads("[" + ",".join(toks) + "]")).tobytes()
        res["parse"]["dom_path" if path == "D" else "fallback_only"] += n
        for name, got in (("dom", dom), ("fallback", fallback)):
            if got == want:
                continue
            g, w = array("d", got), array("d", want)
            bad = [i for i in range(n) if struct.pack("<d", g[i]) != struct.pack("<d", w[i])]
            res["parse"][f"mismatches_{name}"] += len(bad)
            for i in bad[:max_report - len(examples)]:
                examples.append(f"parse #{done + i} ({name} path): {toks[i]!r}: wampbox {g[i]!r} ({fmt_bits(g[i])}), "
                                f"CPython {w[i]!r} ({fmt_bits(w[i])})")
        done += n
        chunk_no += 1
    res["parse"]["count"] = done
    res["parse"]["seconds"] = round(time.monotonic() - t0, 1)
    p = res["parse"]
    log(f"floatdiff: parse: {done} tokens ({p['dom_path']} in documents simdjson's DOM accepted, "
        f"{p['fallback_only']} in documents only the fallback reader reads; every document through both), "
        f"{p['mismatches_dom']} + {p['mismatches_fallback']} mismatches ({p['seconds']} s)")
    res["examples"] = examples
    res["ok"] = res["repr"]["mismatches"] == 0 and p["mismatches_dom"] == 0 and p["mismatches_fallback"] == 0
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10_000_000, help="doubles for repr and tokens for parse (each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", help="wampbox_floatdiff (default $WAMPBOX_BUILD_DIR/tests/wampbox_floatdiff)")
    ap.add_argument("--out", help="directory for summary.json")
    ap.add_argument("--perturb", type=int, help="negative control: the tool flips the lowest bit of value K")
    a = ap.parse_args(argv)
    tool_path = find_tool(a.bin)
    if not tool_path.exists():
        print(f"floatdiff: {tool_path} not found (build the wampbox_floatdiff target)", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    tool = Tool(tool_path, a.perturb)
    res = run(tool, a.count, a.seed)
    tool.close()
    res["seconds"] = round(time.monotonic() - t0, 1)
    res["command"] = "scripts/floatdiff.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for e in res["examples"]:
        print("  " + e)
    print(f"floatdiff: {'PASS' if res['ok'] else 'FAIL'} ({res['seconds']} s)")
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / "summary.json").write_text(json.dumps(res, indent=1) + "\n")
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
