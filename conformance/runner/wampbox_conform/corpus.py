"""Loading the wampbox test-vector corpus (fixtures/*.json, Wycheproof style)
into flat Case records, checking it against fixtures/MANIFEST.json, and the
case filters (layer, operation, flag, tcId, file)."""

import hashlib
import json
import os
import re


class CorpusError(Exception):
    """The corpus is missing, unreadable or does not match its manifest."""


class Case:
    """One test vector: the test object plus the attributes of its group."""

    __slots__ = ("key", "file", "file_stem", "tcId", "op", "layer", "group", "test", "flags", "comment", "result")

    def __init__(self, file, file_stem, layer, group, test):
        self.file = file
        self.file_stem = file_stem
        self.layer = layer
        self.group = group
        self.test = test
        self.op = group.get("operation", "")
        self.tcId = test.get("tcId")
        self.flags = list(test.get("flags", []))
        self.comment = test.get("comment", "")
        self.result = test.get("result")
        self.key = f"{file_stem}#{self.tcId}"

    def record(self):
        """The descriptive part of the case as it appears in reports."""
        return {"key": self.key, "file": self.file, "file_stem": self.file_stem, "tcId": self.tcId,
                "layer": self.layer, "op": self.op, "group_type": self.group.get("type", ""),
                "flags": self.flags, "comment": self.comment, "result": self.result}


def sha256_file(path):
    d = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            d.update(chunk)
    return d.hexdigest()


def _layer_of(fname, doc, layer_by_file):
    if fname in layer_by_file:
        return layer_by_file[fname]
    stem = fname[:-len("_test.json")] if fname.endswith("_test.json") else os.path.splitext(fname)[0]
    return doc.get("layer") or stem


def load(fixtures_dir, layer_by_file=None, verify_manifest=True):
    """Returns (cases, suite) where suite describes the corpus version and its
    files' SHA-256 (as measured, and as the manifest states)."""
    layer_by_file = layer_by_file or {}
    if not os.path.isdir(fixtures_dir):
        raise CorpusError(f"corpus directory {fixtures_dir} does not exist")
    manifest_path = os.path.join(fixtures_dir, "MANIFEST.json")
    manifest = None
    manifest_sha = ""
    if os.path.exists(manifest_path):
        try:
            with open(manifest_path, encoding="utf-8") as f:
                manifest = json.load(f)
        except ValueError as e:
            raise CorpusError(f"{manifest_path}: not JSON: {e}") from e
        manifest_sha = sha256_file(manifest_path)
    elif verify_manifest:
        raise CorpusError(f"{manifest_path} is missing (use --no-verify-manifest to run an unlisted corpus)")
    listed = _manifest_files(manifest) if manifest else {}

    names = sorted(n for n in os.listdir(fixtures_dir)
                   if n.endswith(".json") and n != "MANIFEST.json" and not n.endswith(".schema.json"))
    other_files = {}
    warnings = []
    if listed:
        missing = sorted(n for n in listed if not os.path.exists(os.path.join(fixtures_dir, n)))
        if missing and verify_manifest:
            raise CorpusError(f"files listed in MANIFEST.json are missing: {missing}")
        unlisted = [n for n in names if n not in listed]
        if unlisted and verify_manifest:
            raise CorpusError(f"test files not listed in MANIFEST.json: {unlisted}")
        names = [n for n in names if n in listed]
        # Every listed file (README, schemas, ...) must match too: they define the vectors' meaning.
        for n, want in sorted(listed.items()):
            path = os.path.join(fixtures_dir, n)
            if n in names or not os.path.exists(path):
                continue
            digest = sha256_file(path)
            # Documentation and schemas do not change what a vector means to the
            # runner: a stale entry is reported, not fatal (vector files are).
            if want and want != digest:
                warnings.append(f"{n}: SHA-256 differs from MANIFEST.json (documentation edited since generation?)")
            other_files[f"fixtures/{n}"] = {"sha256": digest, "manifest_sha256": want or ""}
    files = {}
    cases = []
    versions = set()
    for name in names:
        path = os.path.join(fixtures_dir, name)
        digest = sha256_file(path)
        want = listed.get(name)
        if verify_manifest and want and want != digest:
            raise CorpusError(f"{name}: SHA-256 {digest} differs from MANIFEST.json ({want}); "
                              "the corpus was modified or the manifest is stale")
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            raise CorpusError(f"{path}: not JSON: {e}") from e
        if not isinstance(doc, dict) or "testGroups" not in doc:
            continue
        if doc.get("corpusVersion"):
            versions.add(doc["corpusVersion"])
        layer = _layer_of(name, doc, layer_by_file)
        stem = name[:-len(".json")]
        n = 0
        for g in doc["testGroups"]:
            group = {k: v for k, v in g.items() if k != "tests"}
            for t in g.get("tests", []):
                cases.append(Case(f"fixtures/{name}", stem, layer, group, t))
                n += 1
        files[f"fixtures/{name}"] = {"sha256": digest, "manifest_sha256": want or "", "tests": n,
                                     "algorithm": doc.get("algorithm", ""), "layer": layer}
    if not cases:
        raise CorpusError(f"no test vectors found in {fixtures_dir}")
    seen = set()
    for c in cases:
        if c.key in seen:
            raise CorpusError(f"duplicate tcId {c.tcId} in {c.file}")
        seen.add(c.key)
    version = (manifest or {}).get("corpusVersion") or (manifest or {}).get("version") or \
        ",".join(sorted(versions)) or "unknown"
    suite = {"name": "wampbox", "version": version, "fixtures_dir": os.path.abspath(fixtures_dir),
             "manifest_sha256": manifest_sha, "files": files, "other_files": other_files, "warnings": warnings}
    return cases, suite


def _manifest_files(manifest):
    """name -> sha256 from the manifest, accepting {"files": {name: sha}} /
    {"files": {name: {"sha256": ...}}} / {"files": [{"name"/"file"/"path", "sha256"}]}."""
    out = {}
    files = manifest.get("files", {})
    if isinstance(files, dict):
        for k, v in files.items():
            out[k] = v if isinstance(v, str) else (v or {}).get("sha256", "")
    elif isinstance(files, list):
        for e in files:
            name = e.get("name") or e.get("file") or e.get("path")
            if name:
                out[name] = e.get("sha256", "")
    return out


# -- filters -------------------------------------------------------------------

def parse_tcid_spec(spec):
    """'12,15-20,crypto_box_test#7' -> list of (file_stem or None, lo, hi)."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        stem = None
        if "#" in part:
            stem, part = part.split("#", 1)
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"bad tcId selector {part!r}: use N, N-M, or FILE#N")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        out.append((stem, lo, hi))
    return out


def select(cases, layers=(), ops=(), flags=(), exclude_flags=(), tcids=None, files=(), results=()):
    """Cases matching every given filter (each filter: any of its values)."""
    def ok(c):
        if layers and c.layer not in layers:
            return False
        if ops and c.op not in ops:
            return False
        if files and c.file_stem not in files and c.file not in files and os.path.basename(c.file) not in files:
            return False
        if flags and not set(flags) & set(c.flags):
            return False
        if exclude_flags and set(exclude_flags) & set(c.flags):
            return False
        if results and c.result not in results:
            return False
        if tcids:
            hit = False
            for stem, lo, hi in tcids:
                if (stem is None or stem == c.file_stem) and isinstance(c.tcId, int) and lo <= c.tcId <= hi:
                    hit = True
                    break
            if not hit:
                return False
        return True
    return [c for c in cases if ok(c)]
