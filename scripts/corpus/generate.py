#!/usr/bin/python3
"""Generates the wampbox conformance corpus (fixtures/) from the real
Autobahn|Python and libsodium (PyNaCl), confirmed by tweetnacl-js and, for
every valid vector of every layer, by the independent JavaScript oracle
(conformance/adapters/js run through the conformance runner; oracle.py).

    /usr/bin/python3 scripts/corpus/generate.py                 # rewrite fixtures/
    /usr/bin/python3 scripts/corpus/generate.py --out /tmp/x    # write elsewhere (tests use this)
    /usr/bin/python3 scripts/corpus/generate.py --assign-ids    # after adding tests: give them tcIds

Deterministic: every key, nonce and message comes from a label (SHAKE-256),
Autobahn's nonce source is replaced, and output JSON is written in a fixed
form, so running it twice gives identical bytes. tcIds come from the
committed registry scripts/corpus/tcids.json (append-only; see
fixtures/README.md, "Test ids"). README.md and CHANGELOG.md are taken from
--docs-from (default: the repository's fixtures/) with the generated counts
table refreshed, so that MANIFEST.json covers every file."""

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # scripts/, for wampbox_py

import common  # noqa: E402
from common import CORPUS_VERSION, REPO, Registry, TweetNaCl, dump_json  # noqa: E402

BLOCK = "<!-- BEGIN GENERATED %s (scripts/corpus/generate.py) -->"
BLOCK_END = "<!-- END GENERATED %s -->"


def versions():
    import ctypes
    lib = ctypes.CDLL("libsodium.so.23")
    lib.sodium_version_string.restype = ctypes.c_char_p
    import autobahn
    return {
        "autobahn": autobahn.__version__,
        "pynacl": importlib.metadata.version("PyNaCl"),
        "libsodium": lib.sodium_version_string().decode(),
        "msgpack": importlib.metadata.version("msgpack"),
        "cbor2": importlib.metadata.version("cbor2"),
        "cryptography": importlib.metadata.version("cryptography"),
        "pycryptodome": __import__("Cryptodome").__version__,
    }


def counts_table(files):
    lines = ["| file | tests | valid | invalid | acceptable |", "|---|---:|---:|---:|---:|"]
    tot = {"n": 0, "valid": 0, "invalid": 0, "acceptable": 0}
    for fname, data in files:
        c = {"valid": 0, "invalid": 0, "acceptable": 0}
        for g in data["testGroups"]:
            for t in g["tests"]:
                c[t["result"]] += 1
        n = data["numberOfTests"]
        lines.append("| %s | %d | %d | %d | %d |" % (fname, n, c["valid"], c["invalid"], c["acceptable"]))
        tot["n"] += n
        for k in c:
            tot[k] += c[k]
    lines.append("| **total** | **%d** | **%d** | **%d** | **%d** |" % (tot["n"], tot["valid"], tot["invalid"],
                                                                    tot["acceptable"]))
    return "\n".join(lines), tot


def flags_table(files):
    """Every flag of every file, with its bug type and description (from the files' notes)."""
    out = []
    for fname, data in files:
        used = {}
        for g in data["testGroups"]:
            for t in g["tests"]:
                for f in t["flags"]:
                    used.setdefault(f, {"valid": 0, "invalid": 0, "acceptable": 0})[t["result"]] += 1
        out.append("### %s\n" % fname)
        out.append("| flag | bugType | valid/invalid/acceptable | description |")
        out.append("|---|---|---|---|")
        for flag, note in data["notes"].items():
            c = used[flag]
            desc = note["description"].replace("|", "\\|")
            out.append("| `%s` | %s | %d/%d/%d | %s |" % (flag, note["bugType"], c["valid"], c["invalid"],
                                                         c["acceptable"], desc))
        out.append("")
    return "\n".join(out).rstrip("\n")


LAYER_OF = {"crypto_box_test.json": "crypto_box", "keyring_test.json": "keyring", "payload_test.json": "envelope",
            "message_json_test.json": "message", "message_msgpack_test.json": "message",
            "message_cbor_test.json": "message", "ppt_test.json": "ppt"}

# Who confirms each layer's valid vectors: (computed by, asserted by the
# generator, which stops on any disagreement, run by the test command).
# tests/py/test_oracle.py checks the counts of the generated table against
# a run of the oracle.
ORACLE = "JavaScript oracle"
CPP = "wampbox C++ (`conformance_test`)"
CONFIRMERS = {
    "crypto_box": ("libsodium 1.0.18 (PyNaCl)", "tweetnacl-js (`scripts/js/confirm.js`); " + ORACLE,
                   CPP + "; wampbox's other crypto backends (`backend_test`)"),
    "keyring": ("Autobahn\\|Python (`cryptobox.Key`, `KeyRing`) + libsodium", ORACLE, CPP),
    "envelope": ("Autobahn\\|Python (`KeyRing.encode/decode`) + libsodium",
                 "tweetnacl-js opens every payload (`scripts/js/confirm.js`); " + ORACLE, CPP),
    "message": ("Autobahn\\|Python (message classes; json, msgpack 1.0.3, cbor2 5.4.6) + libsodium", ORACLE, CPP),
    # Autobahn does not speak PPT: an independent Python PPT implementation computes, the JavaScript one confirms.
    "ppt": ("Python PPT reference (`layer_ppt.py`: PyNaCl secretbox/beforenm, python3-cryptography AESGCM, "
            "pycryptodome Keccak-256, cbor2)",
            ORACLE + " (ppt.js: tweetnacl secretbox, WebCrypto AES-GCM, @noble/hashes Keccak-256, cbor-x)",
            CPP + "; wampbox with the OpenSSL AES-GCM fallback forced (`test_ppt_corpus.py`)"),
}


def valid_by_layer(files):
    out = {}
    for fname, data in files:
        n = sum(1 for g in data["testGroups"] for t in g["tests"] if t["result"] == "valid")
        out[LAYER_OF[fname]] = out.get(LAYER_OF[fname], 0) + n
    return out


def confirmations_table(valid):
    lines = ["| layer | valid vectors | computed by | asserted by the generator | also run by the test command |",
             "|---|---:|---|---|---|"]
    for layer in ("crypto_box", "keyring", "envelope", "message", "ppt"):
        made, asserted, tested = CONFIRMERS[layer]
        lines.append("| %s | %d | %s | %s | %s; %s over the whole corpus (`test_oracle.py`) |" % (
            layer, valid.get(layer, 0), made, asserted, tested, ORACLE))
    return "\n".join(lines)


def replace_block(text, name, body, path):
    begin, end = BLOCK % name, BLOCK_END % name
    pat = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pat.search(text):
        raise SystemExit("corpus: %s lacks the generated %s markers" % (path, name))
    return pat.sub(lambda m: begin + "\n" + body + "\n" + end, text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures"), help="output directory (default: fixtures/)")
    ap.add_argument("--docs-from", default=os.path.join(REPO, "fixtures"),
                    help="where README.md and CHANGELOG.md are read from (default: fixtures/)")
    ap.add_argument("--registry", default=os.path.join(HERE, "tcids.json"))
    ap.add_argument("--assign-ids", action="store_true",
                    help="append tcIds for new test keys to the registry (otherwise a new key is an error)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()

    reg = Registry(args.registry, allow_new=args.assign_ids)
    js = TweetNaCl()
    tweet_version = js.compute([{"op": "version"}])[0] if os.path.isdir(
        os.path.join(common.JS_DIR, "node_modules", "tweetnacl")) else None
    if tweet_version is None:
        js.run()  # raises with installation advice
    v = versions()
    sources = {
        "libsodium": {"name": "libsodium (via PyNaCl)", "version": "libsodium %s, PyNaCl %s" % (v["libsodium"], v["pynacl"])},
        "tweetnacl": {"name": "tweetnacl-js (libsodium rejects these inputs)", "version": tweet_version},
        "autobahn": {"name": "Autobahn|Python (cryptobox.KeyRing, message, serializer)",
                     "version": "%s (PyNaCl %s, libsodium %s, msgpack %s, cbor2 %s)" % (
                         v["autobahn"], v["pynacl"], v["libsodium"], v["msgpack"], v["cbor2"])},
        "ppt": "PyNaCl %s (libsodium %s), cryptography %s, pycryptodome %s, cbor2 %s" % (
            v["pynacl"], v["libsodium"], v["cryptography"], v["pycryptodome"], v["cbor2"]),
    }

    import layer_box
    import layer_message
    import layer_payload
    import layer_ppt
    import schemas

    tfiles = [layer_box.build(reg, js, sources), layer_payload.build_keyring(reg, js, sources),
              layer_payload.build_payload(reg, js, sources)] + layer_message.build(reg, js, sources) + [
                  layer_ppt.build(reg, sources)]
    tweet_version2, n_confirmed = js.run()
    assert tweet_version2 == tweet_version

    written = {}
    datas = []
    for tf in tfiles:
        data = tf.to_json()
        datas.append((tf.fname, data))
        written[tf.fname] = dump_json(data)
    for name, sch in schemas.all_schemas().items():
        written["schemas/" + name] = dump_json(sch)

    table, tot = counts_table(datas)
    for doc in ("README.md", "CHANGELOG.md"):
        path = os.path.join(args.docs_from, doc)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if doc == "README.md":
            text = replace_block(text, "COUNTS", table, path)
            text = replace_block(text, "FLAGS", flags_table(datas), path)
            text = replace_block(text, "CONFIRMATIONS", confirmations_table(valid_by_layer(datas)), path)
        written[doc] = text

    manifest = {
        "corpusVersion": CORPUS_VERSION,
        "generator": "scripts/corpus/generate.py",
        "provenance": dict(v, tweetnacl=tweet_version),
        "totals": {"tests": tot["n"], "valid": tot["valid"], "invalid": tot["invalid"],
                   "acceptable": tot["acceptable"], "tweetnaclConfirmedOperations": n_confirmed},
        "files": {},
    }
    for name in sorted(written):
        b = written[name].encode("utf-8")
        manifest["files"][name] = {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
    written["MANIFEST.json"] = dump_json(manifest)

    def write_all(root):
        os.makedirs(os.path.join(root, "schemas"), exist_ok=True)
        for name, text in written.items():
            with open(os.path.join(root, name), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)

    # The independent oracle must pass every valid vector before fixtures/ is touched.
    import oracle
    with tempfile.TemporaryDirectory(prefix="wampbox-corpus-") as staged:
        write_all(staged)
        confirmed = oracle.confirm(staged)
    if confirmed != {k: v for k, v in valid_by_layer(datas).items() if v}:
        raise SystemExit("corpus: the oracle confirmed %s, the corpus has %s valid vectors" % (
            confirmed, valid_by_layer(datas)))
    write_all(args.out)
    if args.assign_ids and reg.new_keys:
        reg.save()
    if not args.quiet:
        print("corpus %s: %d tests (%d valid, %d invalid, %d acceptable) in %d files -> %s; %d tweetnacl "
              "confirmations; %d valid vectors confirmed by the JavaScript oracle; %d new tcIds; %.1fs" % (
                  CORPUS_VERSION, tot["n"], tot["valid"], tot["invalid"], tot["acceptable"], len(datas), args.out,
                  n_confirmed, sum(confirmed.values()), len(reg.new_keys), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
