#!/usr/bin/python3
"""Writes the benchmark inputs: the seeded payloads of
scripts/wampbox_py/payloads.py (shaped(shape, size, seed)) as the exact
plaintext Autobahn|Python encrypts for them, i.e. Autobahn's
serializer._dumps({"uri": URI, "args": args, "kwargs": kwargs}) in UTF-8.

The C++ benchmarks (bench/) read these files, so the benchmarks, the
Autobahn side (scripts/bench/autobahn_bench.py) and the tests all use the
same values. The build does not make them (building the library and the
benchmarks needs no Python): scripts/bench.sh runs this script into
<build>/bench/inputs (where the binaries look by default) before it runs a
benchmark, and the bench tests (tests/py/test_bench_*.py) do the same through
ensure(). Nothing large is committed.

    gen_inputs.py --out DIR     # writes DIR unless it already holds exactly these inputs

DIR/manifest.json lists every input: {"uri", "seed", "inputs": [{"name",
"shape", "size", "file", "plaintext_bytes", "sha256"}]}.
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from wampbox_py.payloads import SHAPES, shaped  # noqa: E402

URI = "com.myapp.encrypted.hello"
SEED = 1
# Size sweep of the full paths (small_rpc shape; size 0 gives the same
# payload as 16, the shape's minimal form, so it is left out).
SWEEP_SIZES = (16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20)
# Every shape at these sizes (serialization and by-shape paths).
SHAPE_SIZES = (256, 4096, 65536)


def input_list():
    """(shape, size) pairs, in a stable order."""
    pairs = [("small_rpc", s) for s in SWEEP_SIZES]
    for shape in SHAPES:
        for size in SHAPE_SIZES:
            if (shape, size) not in pairs:
                pairs.append((shape, size))
    return pairs


def plaintext(shape, size, seed=SEED, uri=URI):
    """Autobahn's exact plaintext bytes for shaped(shape, size, seed)."""
    from autobahn.wamp.serializer import _dumps
    args, kwargs = shaped(shape, size, seed)
    return _dumps({"uri": uri, "args": args, "kwargs": kwargs}).encode("utf-8")


def _entries():
    """(manifest entry, bytes) for every input, computed now."""
    out = []
    for shape, size in input_list():
        data = plaintext(shape, size)
        out.append((dict(name=f"{shape}/{size}", shape=shape, size=size, file=f"{shape}_{size}.json",
                         plaintext_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()), data))
    return out


def _current(out_dir, manifest):
    """True if out_dir holds exactly `manifest` and files with its hashes."""
    try:
        with open(os.path.join(out_dir, "manifest.json"), encoding="utf-8") as f:
            if json.load(f) != manifest:
                return False
        for e in manifest["inputs"]:
            with open(os.path.join(out_dir, e["file"]), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != e["sha256"]:
                    return False
    except (OSError, ValueError):
        return False
    return True


def ensure(out_dir):
    """Makes out_dir hold the current inputs; returns (manifest, whether it
    wrote them). Files are replaced atomically, the manifest last, so a
    reader never sees a manifest whose files are not written yet."""
    entries = _entries()
    manifest = dict(uri=URI, seed=SEED, inputs=[e for e, _ in entries])
    if _current(out_dir, manifest):
        return manifest, False
    os.makedirs(out_dir, exist_ok=True)
    for e, data in entries:
        tmp = os.path.join(out_dir, e["file"] + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(out_dir, e["file"]))
    tmp = os.path.join(out_dir, "manifest.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))
    return manifest, True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    a = ap.parse_args()
    m, wrote = ensure(a.out)
    print(f"gen_inputs: {len(m['inputs'])} inputs in {a.out}" + ("" if wrote else " (already current)"))


if __name__ == "__main__":
    main()
