"""Derived negatives (conformance/PROTOCOL.md 10.1): which cases the runner
derives, that each one really is damaged in the way its id says (checked
here with libsodium, msgpack, cbor2 and json, independently of the runner's
code), and that a defect the corpus barely sees is caught by them."""

import base64
import collections
import json
import os
import sys
import xml.etree.ElementTree as ET

import cbor2
import msgpack
import nacl.bindings as sodium
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import derive  # noqa: E402
from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")


def corpus_and_derived():
    cases, _ = T.load_corpus()
    return cases, derive.derive(cases)


def read_frame(ser, frame):
    if ser == "json":
        return json.loads(frame.decode("utf-8"))
    if ser == "msgpack":
        return msgpack.unpackb(frame, raw=False, strict_map_key=False)
    return cbor2.loads(frame)


def frame_payload(ser, frame):
    last = read_frame(ser, frame)[-1]
    return base64.b64decode(last[1:]) if ser == "json" else last


def test_ids_are_stable_unique_and_cover_every_sealed_valid_vector():
    cases, d = corpus_and_derived()
    keys = [c.key for c in d]
    assert len(keys) == len(set(keys)) > 1000
    assert keys == [c.key for c in derive.derive(cases)]  # deterministic
    by_base = collections.defaultdict(list)
    for c in d:
        assert c.key == f"{c.file_stem}#{c.tcId}" and c.tcId.endswith("/" + c.derivation)
        assert c.flags[0] == "Derived" and c.result in ("invalid", "acceptable")
        by_base[c.derived_from].append(c)
    for c in cases:
        if c.result == "valid" and c.op in ("box", "box_afternm", "payload_decode"):
            assert c.key in by_base, c.key
        if c.result == "valid" and c.op == "frame_decode_open":
            encrypted = isinstance(read_frame(c.group["serializer"], bytes.fromhex(c.test["frame"]))[-1],
                                   (bytes, str)) and "Encrypted" in c.flags
            assert (c.key in by_base) == encrypted, c.key
        if c.result != "valid":
            assert c.key not in by_base
    # The first vector of each (file, operation) gets every nonce and tag byte flipped, the others a sample.
    first = {}
    for c in d:
        first.setdefault((c.file, c.op), c.derived_from)
    for c in cases:
        if c.key in by_base:
            names = {x.derivation for x in by_base[c.key]}
            mac = {n for n in names if n.startswith("flip-mac-")}
            if first[(c.file, c.op)] == c.key:
                assert mac == {f"flip-mac-{i}" for i in range(16)}
                assert {f"flip-nonce-{i}" for i in range(24)} <= names
            else:
                assert mac == {"flip-mac-0", "flip-mac-7", "flip-mac-8", "flip-mac-15"}
            assert {"trail-1", "trail-16", "trunc-0"} <= names


def test_every_damaged_box_is_refused_by_libsodium():
    """The expectation `decrypt_failed` is right: libsodium refuses every
    derived box (and opens the original)."""
    cases, d = corpus_and_derived()
    base = {c.key: c for c in cases}
    n = 0
    for c in d:
        if c.op not in ("box", "box_afternm"):
            continue
        t, o = c.test, base[c.derived_from].test
        k = bytes.fromhex(t["k"]) if c.op == "box_afternm" else sodium.crypto_box_beforenm(
            bytes.fromhex(t["pk"]), bytes.fromhex(t["sk"]))
        nonce, ct = bytes.fromhex(t["nonce"]), bytes.fromhex(t["ct"])
        assert (nonce, ct) != (bytes.fromhex(o["nonce"]), bytes.fromhex(o["ct"]))
        assert sodium.crypto_box_open_afternm(bytes.fromhex(o["ct"]), bytes.fromhex(o["nonce"]), k) == \
            bytes.fromhex(o["msg"])
        with pytest.raises(Exception):
            sodium.crypto_box_open_afternm(ct, nonce, k)
        assert c.test["error"] == "decrypt_failed" and c.result == "invalid"
        n += 1
    assert n > 1000


def test_a_damage_that_still_opens_is_not_derived():
    """Poly1305 edge vectors whose accumulator is 0: the tag alone is the valid
    box of the empty message, so trunc-16 is no negative and is left out."""
    cases, d = corpus_and_derived()
    names = {c.key for c in d}
    edge = [c for c in cases if c.result == "valid" and c.op in ("box", "box_afternm") and
            "Poly1305Accumulator" in c.flags]
    if not edge:
        pytest.skip("corpus has no Poly1305Accumulator vectors")
    dropped = 0
    for c in edge:
        t = c.test
        k = bytes.fromhex(t["k"]) if c.op == "box_afternm" else sodium.crypto_box_beforenm(
            bytes.fromhex(t["pk"]), bytes.fromhex(t["sk"]))
        try:
            sodium.crypto_box_open_afternm(bytes.fromhex(t["ct"])[:16], bytes.fromhex(t["nonce"]), k)
            opens = True
        except Exception:  # noqa: BLE001
            opens = False
        assert (f"{c.key}/trunc-16" in names) != opens, c.key
        dropped += opens
    assert dropped > 0


def test_damaged_frames_are_well_formed_or_cut_as_their_ids_say():
    """A damaged payload is written back into a frame every reader still
    parses (so the error is the decryption's); a cut frame does not parse;
    the trailing byte matches the corpus's per-serializer rule."""
    cases, d = corpus_and_derived()
    base = {c.key: c for c in cases}
    seen = collections.Counter()
    for c in d:
        if c.op != "frame_decode_open":
            continue
        ser = c.group["serializer"]
        frame = bytes.fromhex(c.test["frame"])
        orig = bytes.fromhex(base[c.derived_from].test["frame"])
        p0 = frame_payload(ser, orig)
        if c.derivation.startswith("frame-cut"):
            with pytest.raises(Exception):
                read_frame(ser, frame)
            assert c.test["error"] == "parse_error" and c.result == "invalid"
        elif c.derivation == "frame-trail-1":
            assert frame[:-1] == orig
            if ser == "cbor":
                assert c.result == "acceptable" and "CborTrailingData" in c.flags
            else:
                with pytest.raises(Exception):
                    read_frame(ser, frame)
                assert c.result == "invalid"
        else:
            # Same message, other payload: everything before the payload is untouched.
            w0, w1 = read_frame(ser, orig), read_frame(ser, frame)
            assert w1[:-1] == w0[:-1]
            p1 = frame_payload(ser, frame)
            name = c.derivation
            if name.startswith("flip-"):
                region, off = name.split("-")[1], int(name.split("-")[2])
                at = {"nonce": 0, "mac": 24, "ct": 40}[region] + off
                assert len(p1) == len(p0) and [i for i in range(len(p0)) if p0[i] != p1[i]] == [at]
            elif name.startswith("trunc-"):
                assert p1 == p0[:int(name[6:])]
            else:
                assert p1 == p0 + b"\x00" * int(name[6:])
            assert c.test["error"] == "decrypt_failed" and c.result == "invalid"
        seen[ser] += 1
    assert set(seen) == {"json", "msgpack", "cbor"} and min(seen.values()) > 100


def test_short_tag_defect_is_caught_by_derived_negatives():
    """A reader comparing only 8 of the 16 tag bytes: the corpus has a few
    vectors for it; the derived negatives catch it on every valid box
    (flip-mac-8 and flip-mac-15 for each, 8..15 for the first vector), and
    fail nothing else."""
    cases, d = corpus_and_derived()
    rep, rc, _ = T.full_run("defective-short-tag")
    assert rc == 1
    failing = {c["key"] for c in rep["derived_cases"] if c["verdict"] == "fail"}
    want = {c.key for c in d if c.op in ("box", "box_afternm") and c.derivation.startswith("flip-mac-")
            and int(c.derivation.split("-")[2]) >= 8 and "LowOrderPublicKey" not in c.flags}
    assert failing == want and len(want) > 250
    assert all(c["failure_kind"] == "accepted_invalid" for c in rep["derived_cases"] if c["verdict"] == "fail")


def test_no_derived_switch_and_reports(tmp_path):
    sel = ["--file", "payload_test", "--op", "payload_decode", "--tcid", "1-400", "--result", "valid"]
    p = T.run_cli(["--adapter", "autobahn", "--progress", "none", "--out", str(tmp_path / "on")] + sel)
    assert p.returncode == 0, p.stdout + p.stderr
    rep = json.loads((tmp_path / "on" / "report.json").read_text())
    d = rep["derived_summary"]
    assert d["total"] == d["pass"] > 10 * rep["summary"]["total"] > 0
    assert "derived     pass" in p.stdout
    junit = ET.parse(tmp_path / "on" / "junit.xml").getroot()
    names = [x.get("name") for x in junit.iter("testcase")]
    assert sum("/flip-mac-8" in n for n in names) == rep["summary"]["total"]
    html = (tmp_path / "on" / "report.html").read_text()
    assert "Derived negatives" in html and "/trunc-39" in html
    p = T.run_cli(["--adapter", "autobahn", "--progress", "none", "--no-derived", "--json",
                   str(tmp_path / "off.json")] + sel)
    rep = json.loads((tmp_path / "off.json").read_text())
    assert p.returncode == 0 and not rep["run"]["derived"]["enabled"] and rep["derived_cases"] == []
    assert "derived negatives: off" in p.stdout
    # --list shows them too, after the corpus cases.
    p = T.run_cli(["--list"] + sel)
    assert "/flip-nonce-0 " in p.stdout and "derived negatives" in p.stderr
