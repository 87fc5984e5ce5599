"""Shared machinery of the corpus generator: deterministic bytes, the typed
value encoding, Wycheproof-style file builders with stable tcIds, and the
tweetnacl-js confirmer.

Nothing here is random: every key, nonce and message is derived from a label
with SHAKE-256, so a label names its bytes forever. The typed value codec,
the message conversion and the Autobahn driver are scripts/wampbox_py's
(typed.py, messages.py, autobahn_ref.py), shared with the adapters."""

import hashlib
import json
import math
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)
JS_DIR = os.path.join(SCRIPTS, "js")

# Bumped by hand with every change to fixtures/ (semver: major = incompatible
# format change, minor = vectors or fields added, patch = comments/docs).
CORPUS_VERSION = "1.4.1"


# --------------------------------------------------------------------------
# Deterministic bytes


def det_bytes(label, n):
    """n bytes named by `label` (SHAKE-256 of a domain-separated label)."""
    return hashlib.shake_256(("wampbox-corpus/v1/" + label).encode("utf-8")).digest(n)


def h(b):
    """Lowercase hex of bytes."""
    return bytes(b).hex()


def flip_bit(b, bit):
    b = bytearray(b)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


# --------------------------------------------------------------------------
# tcId registry: ids are assigned once per (file, test key) and never change.


class Registry:
    """Committed map file -> {test key -> tcId}. A key seen for the first time
    gets max(all ids ever given in that file) + 1, so ids are never renumbered
    or reused, even when tests are removed (their keys stay, retired)."""

    def __init__(self, path, allow_new):
        self.path = path
        self.allow_new = allow_new
        self.data = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)
        self.new_keys = []
        self.used = {}

    def tcid(self, fname, key):
        entry = self.data.setdefault(fname, {"next": 1, "ids": {}})
        used = self.used.setdefault(fname, set())
        if key in used:
            raise ValueError("duplicate test key %s in %s" % (key, fname))
        used.add(key)
        if key not in entry["ids"]:
            if not self.allow_new:
                raise SystemExit(
                    "corpus: test key %r in %s has no tcId yet; run scripts/corpus/generate.py "
                    "--assign-ids to append it to scripts/corpus/tcids.json" % (key, fname))
            entry["ids"][key] = entry["next"]
            entry["next"] += 1
            self.new_keys.append((fname, key))
        return entry["ids"][key]

    def save(self):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.data, f, indent=1, sort_keys=False, ensure_ascii=True)
            f.write("\n")


# --------------------------------------------------------------------------
# Wycheproof-style files


BUG_TYPES = [
    "BASIC",               # a known answer / functional case
    "EDGE_CASE",           # boundary values and unusual but legal inputs
    "AUTH_BYPASS",         # forged or modified authenticated data must be rejected
    "MODIFIED_PARAMETER",  # a wrong key, nonce or parameter must be rejected
    "MALFORMED_INPUT",     # syntactically or structurally invalid input must be rejected
    "WEAK_PARAMS",         # degenerate keys whose treatment is an implementation policy
    "KNOWN_QUIRK",         # documents Autobahn|Python behaviour other implementations may not share
    "MISSING_STEP",        # a check an implementation might skip (URI binding, serializer check)
]


class TestFile:
    def __init__(self, fname, algorithm, schema, header, notes):
        self.fname = fname
        self.algorithm = algorithm
        self.schema = schema
        self.header = header
        self.notes = notes  # flag -> {bugType, description}
        self.groups = []

    def group(self, **fields):
        g = Group(self, fields)
        self.groups.append(g)
        return g

    def to_json(self):
        n = sum(len(g.tests) for g in self.groups)
        used = sorted({f for g in self.groups for t in g.tests for f in t["flags"]})
        undefined = [f for f in used if f not in self.notes]
        unused = [f for f in self.notes if f not in used]
        if undefined or unused:
            raise SystemExit("%s: flags used but not defined %s; defined but unused %s" % (self.fname, undefined, unused))
        return {
            "algorithm": self.algorithm,
            "schema": self.schema,
            "corpusVersion": CORPUS_VERSION,
            "numberOfTests": n,
            "header": self.header,
            "notes": {k: self.notes[k] for k in sorted(self.notes)},
            "testGroups": [g.to_json() for g in self.groups if g.tests],
        }


class Group:
    def __init__(self, tfile, fields):
        self.tfile = tfile
        self.fields = fields
        self.tests = []

    def add(self, registry, test_key, comment, result, flags=(), **fields):
        assert result in ("valid", "invalid", "acceptable"), result
        for f in flags:
            if f not in self.tfile.notes:
                raise SystemExit("%s: flag %s not defined in notes" % (self.tfile.fname, f))
        # Test keys are namespaced by the group's operation: "<operation>/<key>".
        t = {"tcId": registry.tcid(self.tfile.fname, self.fields["operation"] + "/" + test_key), "comment": comment,
             "flags": sorted(set(flags))}
        t.update(fields)
        t["result"] = result
        self.tests.append(t)
        return t

    def to_json(self):
        out = dict(self.fields)
        out["tests"] = self.tests
        return out


def dump_json(obj):
    """The corpus's canonical JSON text: 2-space indent, ASCII only, trailing newline."""
    return json.dumps(obj, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


# --------------------------------------------------------------------------
# tweetnacl-js confirmer (scripts/js/confirm.js)


class TweetNaCl:
    """Batches crypto operations for the independent tweetnacl-js run. Queue
    requests with expectations, then call run() once: it raises if tweetnacl
    disagrees with any expectation."""

    def __init__(self):
        self.requests = []
        self.expect = []

    def check(self, req, expected, what):
        """Queue req; expected is hex (or None for 'must not verify')."""
        self.requests.append(req)
        self.expect.append((expected, what))

    def run(self):
        script = os.path.join(JS_DIR, "confirm.js")
        if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "tweetnacl")):
            raise SystemExit("corpus: tweetnacl-js is not installed; run `npm ci --prefix scripts/js` "
                             "(the generator needs it as an independent, non-libsodium confirmer)")
        reqs = [{"op": "version"}] + self.requests
        p = subprocess.run(["node", script], input=json.dumps(reqs).encode(), capture_output=True, check=False)
        if p.returncode != 0:
            raise SystemExit("corpus: node confirm.js failed: " + p.stderr.decode(errors="replace"))
        out = json.loads(p.stdout)
        version, out = out[0], out[1:]
        bad = [(what, exp, got) for (exp, what), got in zip(self.expect, out) if exp != got]
        if bad:
            msg = "\n".join("  %s: expected %s got %s" % (w, str(e)[:80], str(g)[:80]) for w, e, g in bad[:20])
            raise SystemExit("corpus: tweetnacl-js disagrees on %d operation(s):\n%s" % (len(bad), msg))
        return version, len(out)

    def compute(self, reqs):
        """Runs requests immediately and returns tweetnacl's results (used
        where tweetnacl *defines* the expected output: the tweetnacl profile)."""
        script = os.path.join(JS_DIR, "confirm.js")
        p = subprocess.run(["node", script], input=json.dumps(reqs).encode(), capture_output=True, check=True)
        return json.loads(p.stdout)


def is_nan(x):
    return isinstance(x, float) and math.isnan(x)


def nul_strings(v):
    """The str values inside v that start with U+0000 (JSON reads them back as bytes)."""
    out = []
    if isinstance(v, str):
        if v.startswith("\x00"):
            out.append(v)
    elif isinstance(v, (list, tuple)):
        for x in v:
            out.extend(nul_strings(x))
    elif isinstance(v, dict):
        for x in v.values():
            out.extend(nul_strings(x))
    return out


def strict_b64(s):
    """True if s is strict standard padded base64 (what wampbox accepts after U+0000)."""
    import base64
    import binascii
    if len(s) % 4:
        return False
    try:
        b = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return False
    return base64.b64encode(b).decode() == s  # also rejects non-zero padding bits


def nul_quirk(*values):
    """(flags, strict_ok) for values containing leading-NUL strings: [] if none."""
    ns = [s for v in values for s in nul_strings(v)]
    if not ns:
        return [], True
    ok = all(strict_b64(s[1:]) for s in ns)
    return (["LeadingNulString"] + ([] if ok else ["LaxBase64"])), ok


_TAXONOMY = None


def taxonomy_cases():
    """payloads.taxonomy(seed=1), computed once (it builds a 1 MiB string slowly)."""
    global _TAXONOMY
    if _TAXONOMY is None:
        from wampbox_py.payloads import taxonomy
        _TAXONOMY = taxonomy(seed=1)
    return _TAXONOMY
