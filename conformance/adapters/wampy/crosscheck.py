#!/usr/bin/python3
"""Cross-checks wampy.js's PPT frames against wampbox, vector by vector, past the
byte comparison the runner makes.

The runner judges a valid `ppt` vector by ppt_seal's exact bytes first, and
wampy.js's CBOR never matches them (cbor-x writes map heads in a longer form:
docs/wampy.md), so `wampbox-conform --adapter wampy` cannot say whether the
frames wampy.js writes are otherwise right, nor how wampy.js opens the
vector's own frames. For every valid `ppt` vector (both ciphers) this script:

  seal      wampy.js seals the vector's args/kwargs (adapter `wampy`, ppt_seal);
  interop   wampbox opens that frame (adapter `cpp`, ppt_open, the options and
            [payload] wampy.js wrote): must give the vector's args/kwargs;
  open      wampy.js opens the vector's own frame (ppt_open): must give the
            vector's args/kwargs.

Prints one JSON object: counts per direction and every difference (tcId, the
first differing field, both values).

  WAMPBOX_BUILD_DIR=build /usr/bin/python3 conformance/adapters/wampy/crosscheck.py [--binary buffer] [--fixtures DIR]
"""
import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "conformance" / "runner"))
from wampbox_conform import corpus as C  # noqa: E402
from wampbox_conform import ops as O  # noqa: E402
from wampbox_conform.adapter import AdapterProcess  # noqa: E402

TIMEOUT = 20.0


def adapter_command(name, build):
    spec = json.loads((REPO / "conformance" / "adapters" / "adapters.json").read_text())["adapters"][name]
    cmd = [a.replace("{build}", str(build)).replace("{adapters}", str(REPO / "conformance" / "adapters"))
           .replace("{python}", sys.executable) for a in spec["command"]]
    if os.environ.get(spec.get("env_override", "-")):
        cmd[0] = os.environ[spec["env_override"]]  # as the runner: the binary from the environment
    return cmd


def first_diff(exp, got):
    """(field, expected, got) of the first of args/kwargs that differs, else None."""
    for f in ("args", "kwargs"):
        if O.norm_typed(exp[f]) != O.norm_typed(got.get(f)):
            return f, exp[f], got.get(f)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", default=str(REPO / "fixtures"))
    ap.add_argument("--binary", choices=("uint8array", "buffer"), default="uint8array",
                    help="how binary values are handed to wampy.js (adapter.js --binary)")
    args = ap.parse_args()
    build = Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))
    cases = [c for c in C.load(args.fixtures, O.LAYER_BY_FILE)[0]
             if c.layer == "ppt" and c.op == "ppt" and c.result == "valid"]
    wampy = AdapterProcess(adapter_command("wampy", build) + ["--binary", args.binary], handshake_timeout=60)
    cpp = AdapterProcess(adapter_command("cpp", build), handshake_timeout=60)
    wampy.start()
    cpp.start()
    out = {"binary": args.binary, "vectors": len(cases), "seal": {"ok": 0, "error": []}, "interop": {"equal": 0, "differ": []},
           "open": {"equal": 0, "differ": []}}
    rid = 0
    try:
        for case in cases:
            seal_check, open_check = O.plan(case, {}).checks
            want = {"args": case.test["args"], "kwargs": case.test["kwargs"]}
            rid += 1
            r = wampy.request(rid, "ppt_seal", seal_check.input, TIMEOUT)
            if r["status"] != "ok":
                out["seal"]["error"].append({"tcId": case.tcId, "answer": r})
            else:
                out["seal"]["ok"] += 1
                sealed = r["output"]
                inputs = dict(open_check.input, options=sealed["options"],
                              arguments={"list": [{"bytes": sealed["payload"]}]} if sealed["payload"] else {"null": None},
                              argumentsKw=None)
                rid += 1
                got = cpp.request(rid, "ppt_open", inputs, TIMEOUT)
                d = first_diff(want, got.get("output", {})) if got["status"] == "ok" else ("status", "ok", got)
                if d:
                    out["interop"]["differ"].append({"tcId": case.tcId, "comment": case.test.get("comment"),
                                                     "field": d[0], "expected": d[1], "got": d[2],
                                                     "wampy_plaintext": sealed["plaintext"]})
                else:
                    out["interop"]["equal"] += 1
            rid += 1
            got = wampy.request(rid, "ppt_open", open_check.input, TIMEOUT)
            d = first_diff(want, got.get("output", {})) if got["status"] == "ok" else ("status", "ok", got)
            if d:
                out["open"]["differ"].append({"tcId": case.tcId, "comment": case.test.get("comment"), "field": d[0],
                                              "expected": d[1], "got": d[2]})
            else:
                out["open"]["equal"] += 1
    finally:
        wampy.close()
        cpp.close()
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
