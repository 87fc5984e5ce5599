"""The conformance corpus (fixtures/): reproducible, schema-valid, consistent.

- regenerating it (scripts/corpus/generate.py, real Autobahn|Python + libsodium,
  confirmed by tweetnacl-js) into a temporary folder gives the committed bytes;
- every vector file validates against its draft-07 schema in fixtures/schemas/;
- flags: every flag a file's notes define is used, every used flag defined,
  and every flag documented in fixtures/README.md;
- tcIds unique per file, all registered in scripts/corpus/tcids.json, never
  reused (registry ids unique, below its `next`);
- MANIFEST.json lists every file with its SHA-256; versions agree;
- at least 5,000 vectors across the layers, at least a third invalid;
- every defect class of issue 10 (and the arithmetic edge cases of issue 11)
  has at least 5 vectors in each file it concerns.
"""

import collections
import glob
import hashlib
import json
import os
import subprocess
import sys

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "fixtures")
GENERATOR = os.path.join(ROOT, "scripts", "corpus", "generate.py")
REGISTRY = os.path.join(ROOT, "scripts", "corpus", "tcids.json")
VECTOR_FILES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(FIXTURES, "*_test.json")))
OPERATIONS = {"box", "beforenm", "box_afternm", "key_parse", "key_build", "keyring_resolve", "payload_encode",
              "payload_decode", "frame", "frame_decode", "frame_seal", "frame_decode_open", "ppt", "ppt_seal",
              "ppt_open"}


def load(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def all_files(root):
    out = set()
    for dirpath, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(dirpath, n), root))
    return out


def test_expected_files_present():
    assert VECTOR_FILES == ["crypto_box_test.json", "keyring_test.json", "message_cbor_test.json",
                            "message_json_test.json", "message_msgpack_test.json", "payload_test.json",
                            "ppt_test.json"]
    for n in ("README.md", "CHANGELOG.md", "MANIFEST.json"):
        assert os.path.exists(os.path.join(FIXTURES, n)), n


def test_regenerates_identically(tmp_path):
    """The generator reproduces the committed corpus byte for byte (and within the time budget)."""
    out = tmp_path / "fixtures"
    out.mkdir()
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable  # Debian's: Autobahn 22.7.1
    p = subprocess.run([python, GENERATOR, "--out", str(out), "--quiet"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    committed, regenerated = all_files(FIXTURES), all_files(str(out))
    assert committed == regenerated, "file sets differ: only committed %s, only regenerated %s" % (
        sorted(committed - regenerated), sorted(regenerated - committed))
    differ = []
    for rel in sorted(committed):
        with open(os.path.join(FIXTURES, rel), "rb") as a, open(os.path.join(str(out), rel), "rb") as b:
            if a.read() != b.read():
                differ.append(rel)
    assert not differ, "regenerated corpus differs from fixtures/ in %s (rerun scripts/corpus/generate.py " \
                       "and commit, or find the nondeterminism)" % differ


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_schema_valid(name):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))  # deep_nesting payloads
    data = load(name)
    schema = load(os.path.join("schemas", data["schema"]))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(data))
    assert not errors, "%d schema errors, first: %s at %s" % (len(errors), errors[0].message[:300],
                                                              list(errors[0].absolute_path))


def test_schemas_closed():
    """Every object schema states its required fields and forbids others."""
    def walk(s, path):
        if isinstance(s, dict):
            if s.get("type") == "object" and "properties" in s:
                assert s.get("additionalProperties") is False, path
                assert "required" in s, path
            for k, v in s.items():
                walk(v, path + "/" + k)
        elif isinstance(s, list):
            for i, v in enumerate(s):
                walk(v, "%s/%d" % (path, i))
    for p in glob.glob(os.path.join(FIXTURES, "schemas", "*.schema.json")):
        with open(p) as f:
            s = json.load(f)
        assert s["$schema"] == "http://json-schema.org/draft-07/schema#"
        walk(s, os.path.basename(p))


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_flags_defined_and_used(name):
    data = load(name)
    used = {f for g in data["testGroups"] for t in g["tests"] for f in t["flags"]}
    defined = set(data["notes"])
    assert used - defined == set(), "used but not defined"
    assert defined - used == set(), "defined but not used"
    with open(os.path.join(FIXTURES, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    missing = sorted(f for f in defined if "`%s`" % f not in readme)
    assert not missing, "flags not documented in fixtures/README.md: %s" % missing


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_structure(name):
    data = load(name)
    n = sum(len(g["tests"]) for g in data["testGroups"])
    assert data["numberOfTests"] == n
    ids = [t["tcId"] for g in data["testGroups"] for t in g["tests"]]
    assert len(ids) == len(set(ids)), "duplicate tcIds"
    for g in data["testGroups"]:
        assert g["operation"] in OPERATIONS
        for t in g["tests"]:
            if t["result"] == "invalid":
                assert "error" in t or g["operation"] in ("box", "beforenm", "box_afternm"), t["tcId"]


def test_tcids_registered_and_stable():
    with open(REGISTRY, encoding="utf-8") as f:
        reg = json.load(f)
    for name in VECTOR_FILES:
        entry = reg[name]
        values = list(entry["ids"].values())
        assert len(values) == len(set(values)), "%s: an id was given twice" % name
        assert max(values) < entry["next"]
        data = load(name)
        ids = {t["tcId"] for g in data["testGroups"] for t in g["tests"]}
        assert ids <= set(values), "%s: tcIds not in the registry" % name


def test_manifest():
    man = load("MANIFEST.json")
    listed = set(man["files"])
    present = all_files(FIXTURES) - {"MANIFEST.json"}
    assert listed == present
    for rel, info in man["files"].items():
        with open(os.path.join(FIXTURES, rel), "rb") as f:
            b = f.read()
        assert hashlib.sha256(b).hexdigest() == info["sha256"], rel
        assert len(b) == info["bytes"], rel
    version = man["corpusVersion"]
    parts = version.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
    for name in VECTOR_FILES:
        assert load(name)["corpusVersion"] == version
    with open(os.path.join(FIXTURES, "CHANGELOG.md"), encoding="utf-8") as f:
        assert "## " + version in f.read()


def test_counts():
    results = collections.Counter()
    layers = collections.Counter()
    for name in VECTOR_FILES:
        for g in load(name)["testGroups"]:
            for t in g["tests"]:
                results[t["result"]] += 1
                layers[name.split("_")[0]] += 1
    total = sum(results.values())
    assert total >= 5000
    assert results["invalid"] * 3 >= total, results
    for layer in ("crypto", "keyring", "payload", "message", "ppt"):
        assert layers[layer] > 0
    man = load("MANIFEST.json")
    assert man["totals"]["tests"] == total


# Flag -> files that must each hold at least 5 vectors with it (corpus depth).
DEPTH_FLAGS = {
    "OptionCheck": "message", "UriWhitespace": "message", "UriNotWhitespace": "message",
    "UriTrailingNewline": "message", "UriNormalization": "message", "EmptyVsAbsent": "message payload",
    "NoRoleFallback": "message payload keyring", "CheckOrder": "message", "DecryptBeforeSerializerCheck": "message",
    "MissingRole": "message payload keyring", "NullEncAttribute": "message", "EncAttributeWithoutAlgo": "message",
    "EdgeCaseArithmetic": "crypto", "Poly1305Accumulator": "crypto", "X25519NearP": "crypto",
    "X25519CarryProne": "crypto",
}


def test_depth_per_defect_class():
    counts = collections.Counter()
    for name in VECTOR_FILES:
        for g in load(name)["testGroups"]:
            for t in g["tests"]:
                for f in t["flags"]:
                    counts[(name, f)] += 1
    for flag, where in DEPTH_FLAGS.items():
        for name in VECTOR_FILES:
            if name.split("_")[0] in where.split():
                assert counts[(name, flag)] >= 5, (flag, name, counts[(name, flag)])


def test_hex_is_lowercase():
    """Schemas enforce it for declared byte fields; also scan every string that looks like hex."""
    for name in VECTOR_FILES:
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
            text = f.read()
        for field in ('"ct": "', '"payload": "', '"frame": "', '"msg": "', '"plaintext": "', '"nonce": "'):
            i = text.find(field)
            while i >= 0:
                j = text.index('"', i + len(field))
                v = text[i + len(field):j]
                assert v == v.lower(), (name, field)
                i = text.find(field, j)
