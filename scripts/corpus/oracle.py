"""The independent JavaScript oracle as a confirmer of the generated corpus.

generate.py computes every vector with Autobahn|Python and libsodium; before
it writes fixtures/, confirm() runs the conformance runner
(conformance/wampbox-conform) with the JavaScript adapter
(conformance/adapters/js: tweetnacl-js for NaCl, @msgpack/msgpack and cbor2-js
for decoding, its own Python-compatible JSON and Autobahn validation; no code
shared with Autobahn, libsodium or wampbox) over every `valid` vector of every
layer of the new corpus, and stops the generator unless each one passes. The
runner's judging is the same one used for any implementation
(conformance/PROTOCOL.md), so nothing here decides what "agrees" means.
"""

import json
import os
import subprocess
import tempfile

from common import REPO

RUNNER = os.path.join(REPO, "conformance", "wampbox-conform")
JS_ADAPTER_DIR = os.path.join(REPO, "conformance", "adapters", "js")
ADAPTER = "tweetnacl-js"  # conformance/adapters/adapters.json


def confirm(corpus_dir):
    """Runs the oracle over the valid vectors in corpus_dir (a complete corpus
    with MANIFEST.json). Returns {layer: number of valid vectors confirmed};
    raises SystemExit naming the disagreements otherwise."""
    for mod in ("tweetnacl", "@msgpack/msgpack", "cbor2", "cbor-x", "@noble/hashes"):
        if not os.path.isdir(os.path.join(JS_ADAPTER_DIR, "node_modules", mod)):
            raise SystemExit("corpus: the JavaScript oracle is not installed; run `npm ci --prefix "
                             "conformance/adapters/js` (the generator asserts every valid vector with it)")
    with tempfile.TemporaryDirectory(prefix="wampbox-oracle-") as tmp:
        report = os.path.join(tmp, "report.json")
        p = subprocess.run(["/usr/bin/python3", RUNNER, "--adapter", ADAPTER, "--fixtures", corpus_dir,
                            "--result", "valid", "--json", report, "--progress", "none"],
                           capture_output=True, text=True, timeout=600, check=False)
        if not os.path.exists(report):
            raise SystemExit("corpus: the oracle run failed (exit %d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
        with open(report, encoding="utf-8") as f:
            rep = json.load(f)
    bad = [c for c in rep["cases"] if c["verdict"] != "pass"]
    if bad or p.returncode != 0:
        lines = "\n".join("  %s [%s] %s: %s" % (c["key"], c["op"], c["verdict"], c["reason"][:160]) for c in bad[:20])
        raise SystemExit("corpus: the JavaScript oracle disagrees on %d valid vector(s) (exit %d):\n%s"
                         % (len(bad), p.returncode, lines))
    by_layer = {}
    for c in rep["cases"]:
        by_layer[c["layer"]] = by_layer.get(c["layer"], 0) + 1
    return by_layer
