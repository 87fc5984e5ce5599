"""From corpus vectors to protocol requests, and judging the answers.

A corpus operation (the group's `operation`) becomes one or two protocol
requests ("checks"): a bidirectional vector (box, box_afternm, frame) is
checked in both directions, one request each. What is expected of every
check follows from the vector's `result` and, for `acceptable` vectors, the
profile the adapter declared in its hello (PROTOCOL.md, "Judging").

The runner alone decides pass/fail: adapters return outputs or an error code.
"""

import difflib
import hashlib
import json

ACCEPT, REJECT, EITHER = "accept", "reject", "either"


class CorpusShapeError(Exception):
    """A vector lacks a field its operation needs (corpus/runner mismatch)."""


# Layer of each corpus file (stem); anything else falls back to the stem.
LAYER_BY_FILE = {
    "crypto_box_test.json": "crypto_box",
    "keyring_test.json": "keyring",
    "payload_test.json": "envelope",
    "message_json_test.json": "message",
    "message_msgpack_test.json": "message",
    "message_cbor_test.json": "message",
    "ppt_test.json": "ppt",
}
LAYERS = ("crypto_box", "keyring", "envelope", "message", "ppt")


class Spec:
    """A protocol operation: which vector fields go in (test fields, then
    group fields), which come back and are compared."""

    def __init__(self, name, inputs, outputs, group_inputs=(), optional_inputs=()):
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.group_inputs = group_inputs
        self.optional_inputs = optional_inputs


# Protocol operations (PROTOCOL.md, "Operations").
PROTO = {s.name: s for s in [
    Spec("box_seal", ["sk", "pk", "nonce", "msg"], ["ct"]),
    Spec("box_open", ["sk", "pk", "nonce", "ct"], ["msg"]),
    Spec("beforenm", ["sk", "pk"], ["k"]),
    Spec("box_seal_afternm", ["k", "nonce", "msg"], ["ct"]),
    Spec("box_open_afternm", ["k", "nonce", "ct"], ["msg"]),
    Spec("key_parse", ["text"], ["key"]),
    Spec("key_build", ["key"], ["originatorSharedKey", "responderSharedKey"]),
    Spec("keyring_resolve", ["uri", "role"], ["prefix", "sharedKey"], group_inputs=["keyring"]),
    Spec("payload_encode", ["role", "uri", "args", "kwargs", "nonce"], ["plaintext", "payload"],
         group_inputs=["keyring"]),
    Spec("payload_decode", ["role", "uri", "encAlgo", "encSerializer", "payload"], ["args", "kwargs"],
         group_inputs=["keyring"]),
    Spec("frame_encode", ["message"], ["frame"], group_inputs=["serializer"]),
    Spec("frame_decode", ["frame"], ["message"], group_inputs=["serializer"]),
    Spec("frame_seal", ["message", "payloadUri", "nonce"], ["frame"], group_inputs=["serializer", "keyring"]),
    Spec("frame_decode_open", ["frame", "uri"], ["message"], group_inputs=["serializer", "keyring"]),
    # Payload PassThru Mode (ppt layer): `role` is the sender's; ppt_open acts as the other role.
    Spec("ppt_seal", ["role", "uri", "args", "kwargs", "cipher", "nonce"], ["options", "plaintext", "payload"],
         group_inputs=["pptKeys"]),
    Spec("ppt_open", ["role", "uri", "options", "arguments", "argumentsKw"], ["args", "kwargs"],
         group_inputs=["pptKeys"]),
]}

# Corpus operation -> protocol operations checked, in order.
CORPUS_OPS = {
    "box": ["box_seal", "box_open"],
    "beforenm": ["beforenm"],
    "box_afternm": ["box_seal_afternm", "box_open_afternm"],
    "key_parse": ["key_parse"],
    "key_build": ["key_build"],
    "keyring_resolve": ["keyring_resolve"],
    "payload_encode": ["payload_encode"],
    "payload_decode": ["payload_decode"],
    "frame": ["frame_encode", "frame_decode"],
    "frame_decode": ["frame_decode"],
    "frame_seal": ["frame_seal"],
    "frame_decode_open": ["frame_decode_open"],
    "ppt": ["ppt_seal", "ppt_open"],
    "ppt_seal": ["ppt_seal"],
    "ppt_open": ["ppt_open"],
}
# For a bidirectional vector that must be rejected, only the reading direction
# is asked (an invalid box can still be *sealed* from its message; what must
# fail is opening it). Under a rejecting profile both directions must fail.
REJECT_ONLY = {"box": ["box_open"], "box_afternm": ["box_open_afternm"], "frame": ["frame_decode"],
               "ppt": ["ppt_open"]}

# Profiles: for `acceptable` vectors carrying the flag, the adapter's declared
# profile value decides what is expected (PROTOCOL.md, "Profiles").
PROFILE_RULES = [
    # (flag, profile key, {value: expectation})
    ("LowOrderPublicKey", "low_order_keys", {"reject": REJECT, "compute": ACCEPT}),
    ("PlaintextFallback", "plaintext_fallback", {"reject": REJECT, "plaintext": ACCEPT}),
    ("LaxBase64", "base64", {"strict": REJECT, "lax": ACCEPT}),
]
PROFILE_VALUES = {key: sorted(m) for _, key, m in PROFILE_RULES}

# Error codes an adapter may return (PROTOCOL.md, "Error codes").
ERROR_CODES = [
    "invalid_key", "no_key", "missing_role", "decrypt_failed", "uri_mismatch", "unsupported_enc_algo",
    "unsupported_enc_serializer", "malformed_plaintext", "parse_error", "invalid_utf8", "invalid_base64",
    "protocol_error", "unencodable", "invalid_argument", "bad_key_id", "retired_key", "internal",
]
# Expected code -> codes also accepted for it (the corpus notes allow them).
ERROR_ALIASES = {"invalid_utf8": {"parse_error"}, "parse_error": {"invalid_utf8"}}


class Check:
    __slots__ = ("op", "input", "expect", "expected_output")

    def __init__(self, op, inputs, expect, expected_output):
        self.op = op
        self.input = inputs
        self.expect = expect
        self.expected_output = expected_output


class Plan:
    def __init__(self, case, expect, judged_as, profile_note, checks, expected_error):
        self.case = case
        self.expect = expect
        self.judged_as = judged_as
        self.profile_note = profile_note
        self.checks = checks
        self.expected_error = expected_error

    def expected_summary(self):
        out = {"result": self.case.result, "expect": self.expect}
        if self.expected_error:
            out["error"] = self.expected_error
        if self.expect != REJECT:
            outs = {}
            for c in self.checks:
                outs.update(c.expected_output)
            out["output"] = outs
        return out


def protocol_ops(case):
    return CORPUS_OPS.get(case.op, [case.op])


def serializer_of(case):
    return case.group.get("serializer")


def _types_in(msg):
    if isinstance(msg, dict) and isinstance(msg.get("type"), str):
        return [msg["type"]]
    return []


def message_types_of(case):
    """Message types a message-layer vector involves (from its structured
    message; a vector of a malformed frame has none)."""
    return _types_in(case.test.get("message"))


def expectation(case, profile):
    """(expect, judged_as, note) for a case under the adapter's profile."""
    if case.result == "valid":
        return ACCEPT, "valid", ""
    if case.result == "invalid":
        return REJECT, "invalid", ""
    for flag, key, mapping in PROFILE_RULES:
        if flag in case.flags:
            val = profile.get(key)
            if val in mapping:
                exp = mapping[val]
                return exp, ("valid" if exp == ACCEPT else "invalid"), f"{key}={val}"
            return EITHER, "either", f"{key} undeclared"
    return EITHER, "either", ""


def plan(case, profile):
    if case.op not in CORPUS_OPS:
        raise CorpusShapeError(f"unknown corpus operation {case.op!r}")
    expect, judged_as, note = expectation(case, profile)
    names = CORPUS_OPS[case.op]
    if expect == REJECT and case.result == "invalid":
        names = REJECT_ONLY.get(case.op, names)
    checks = []
    for name in names:
        spec = PROTO[name]
        inputs = {}
        for f in spec.inputs:
            if f not in case.test:
                raise CorpusShapeError(f"{case.op} vector lacks input field {f!r}")
            inputs[f] = case.test[f]
        for f in spec.group_inputs:
            if f not in case.group:
                raise CorpusShapeError(f"{case.op} group lacks field {f!r}")
            inputs[f] = case.group[f]
        expected_output = {f: case.test[f] for f in spec.outputs if f in case.test}
        checks.append(Check(name, inputs, expect, expected_output))
    return Plan(case, expect, judged_as, note, checks, case.test.get("error"))


# -- comparison ------------------------------------------------------------------

HEX_FIELDS = {"sk", "pk", "nonce", "msg", "ct", "k", "key", "sharedKey", "originatorSharedKey",
              "responderSharedKey", "plaintext", "payload", "frame"}
TYPED_KINDS = {"null", "bool", "int", "float", "str", "bytes", "list", "dict"}


def norm_typed(v):
    """Canonical form of a typed value (lowercase hex, canonical integers)."""
    if not isinstance(v, dict) or len(v) != 1:
        return ("?", json.dumps(v, sort_keys=True))
    (kind, x), = v.items()
    if kind == "null":
        return ("null", None) if x is None else ("?", x)
    if kind == "bool":
        return ("bool", x) if isinstance(x, bool) else ("?", x)
    if kind == "int":
        try:
            return ("int", int(x, 10)) if isinstance(x, str) else ("?", x)
        except ValueError:
            return ("?", x)
    if kind in ("float", "bytes"):
        return (kind, x.lower()) if isinstance(x, str) else ("?", x)
    if kind == "str":
        return ("str", x)
    if kind == "list":
        return ("list", tuple(norm_typed(e) for e in x)) if isinstance(x, list) else ("?", x)
    if kind == "dict":
        if not isinstance(x, list) or not all(isinstance(p, list) and len(p) == 2 for p in x):
            return ("?", json.dumps(x, sort_keys=True))
        return ("dict", tuple((p[0], norm_typed(p[1])) for p in x))
    return ("?", kind)


def norm_message(m):
    if not isinstance(m, dict):
        return ("?", json.dumps(m, sort_keys=True))
    out = []
    for k in sorted(m):
        v = m[k]
        if k in ("options", "args", "kwargs"):
            out.append((k, norm_typed(v)))
        elif k == "payload" and isinstance(v, str):
            out.append((k, v.lower()))
        else:
            out.append((k, json.dumps(v, sort_keys=True)))
    return tuple(out)


def norm_field(name, v):
    if v is None:
        return None
    if name in HEX_FIELDS and isinstance(v, str):
        return v.lower()
    if name in ("args", "kwargs", "options"):
        return norm_typed(v)
    if name == "message":
        return norm_message(v)
    return json.dumps(v, sort_keys=True)


def first_difference(name, exp, got):
    """A short human description of where two outputs differ."""
    if isinstance(exp, str) and isinstance(got, str) and name in HEX_FIELDS:
        try:
            eb, gb = bytes.fromhex(exp), bytes.fromhex(got)
        except ValueError:
            return f"{name}: expected {_short(exp)}, got {_short(got)} (not hex)"
        return bytes_diff(name, eb, gb)
    if name == "message" and isinstance(exp, dict) and isinstance(got, dict):
        diffs = [k for k in sorted(set(exp) | set(got)) if k not in exp or k not in got or
                 (k in ("options", "args", "kwargs") and norm_typed(exp[k]) != norm_typed(got[k])) or
                 (k not in ("options", "args", "kwargs") and norm_field(k if k != "payload" else "payload", exp[k]) !=
                  norm_field(k if k != "payload" else "payload", got[k]))]
        parts = []
        for k in diffs[:3]:
            parts.append(f"message.{k}: expected {_short(exp.get(k, '<absent>'))}, got {_short(got.get(k, '<absent>'))}")
        return "; ".join(parts) or "message differs"
    return f"{name}: expected {_short(exp)}, got {_short(got)}"


def _json_text(b):
    """The bytes as text if they are UTF-8 JSON (a plaintext, a JSON frame), else None."""
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    s = t.strip()
    if not s or s[0] not in "{[":
        return None
    try:
        json.loads(s)
    except ValueError:
        # A damaged document still reads better as text when the other side is JSON.
        pass
    return t


def bytes_diff(name, exp, got, context=16, max_lines=40):
    """Evidence for two byte strings that differ: a text diff when both are
    UTF-8 JSON (plaintexts, JSON frames), else a hex diff marking the first
    differing byte. The header always names the first differing byte."""
    n = next((i for i in range(min(len(exp), len(got))) if exp[i] != got[i]), min(len(exp), len(got)))
    head = (f"{name}: {len(got)} bytes vs expected {len(exp)}; first difference at byte {n}")
    et, gt = _json_text(exp), _json_text(got)
    if et is not None and gt is not None:
        return head + "\n" + text_diff(et, gt, max_lines)
    return head + "\n" + hex_diff(exp, got, n, context)


def text_diff(exp, got, max_lines=40):
    """A readable diff of two JSON texts: the first differing character
    marked with a caret in a window of both, then a unified diff of the
    documents pretty-printed one member per line (when both parse)."""
    n = next((i for i in range(min(len(exp), len(got))) if exp[i] != got[i]), min(len(exp), len(got)))
    lo = max(0, n - 50)
    ew, gw = exp[lo:n + 50], got[lo:n + 50]
    pre = "..." if lo else ""
    out = [f"text diff (UTF-8), first difference at character {n}:",
           f"- expected: {pre}{ew}", f"+ got:      {pre}{gw}", " " * (12 + len(pre) + n - lo) + "^"]
    try:
        ej = json.dumps(json.loads(exp), indent=1, ensure_ascii=False).splitlines()
        gj = json.dumps(json.loads(got), indent=1, ensure_ascii=False).splitlines()
    except ValueError:
        return "\n".join(out)
    d = list(difflib.unified_diff(ej, gj, "expected", "got", lineterm="", n=2))
    if d:
        out.append("")
        out.extend(d[:max_lines])
        if len(d) > max_lines:
            out.append(f"... ({len(d) - max_lines} more diff lines)")
    return "\n".join(out)


def hex_diff(exp, got, n, context=16):
    """Hex dump rows (16 bytes) of both byte strings around byte n, the first
    differing byte in [brackets] on both sides."""
    start = max(0, (n // 16 - 1) * 16)
    stop = min(max(len(exp), len(got)), (n // 16 + 2) * 16)
    out = [f"hex diff, first differing byte marked [..]: offset {n} (0x{n:x})"]

    def row(b, off):
        cells = []
        for i in range(off, off + 16):
            if i < len(b):
                c = f"{b[i]:02x}"
                cells.append(f"[{c}]" if i == n else f" {c} ")
            else:
                cells.append("[--]" if i == n else "    ")
        return "".join(cells).rstrip()

    for off in range(start, max(stop, start + 16), 16):
        out.append(f"- {off:08x} {row(exp, off)}")
        out.append(f"+ {off:08x} {row(got, off)}")
    return "\n".join(out)


def _short(v, n=160):
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return s if len(s) <= n else s[:n] + f"...({len(s)} chars)"


# -- judging ---------------------------------------------------------------------

def _fail(kind, reason, evidence=""):
    return {"verdict": "fail", "failure_kind": kind, "reason": reason, "evidence": evidence}


def judge(case, plan_, results, error_codes="strict"):
    """Verdict for a case from (check, response) pairs. Harness problems
    (crash, hang, garbage) fail the case; an "unsupported" answer makes it
    UNSUPPORTED; otherwise outputs/errors are compared with the vector."""
    for chk, r in results:
        st = r.get("status", "")
        if st.startswith("harness_"):
            kind = st[len("harness_"):]
            ev = r.get("message", "")
            if r.get("stderr_tail"):
                ev += "\nadapter stderr (tail):\n" + r["stderr_tail"]
            return _fail(kind, f"{kind} during {chk.op}: {r.get('message', '')}"[:300], ev)
    if len(results) < len(plan_.checks):
        return _fail("harness", "not every check could be run (adapter unavailable)")
    unsup = [(c, r) for c, r in results if r["status"] == "unsupported"]
    if unsup:
        c, r = unsup[0]
        return {"verdict": "unsupported", "reason": f"adapter: {c.op}: {r.get('reason', 'unsupported')}",
                "evidence": ""}
    statuses = [r["status"] for _, r in results]
    expect = plan_.expect

    notes = []

    def errors_ok():
        want = plan_.expected_error
        for c, r in results:
            code = r.get("error")
            if code not in ERROR_CODES:
                return _fail("bad_error_code", f"{c.op}: error code {code!r} is not a protocol error code",
                             r.get("message", ""))
            if code == "internal":
                return _fail("internal_error", f"{c.op}: adapter raised an internal error instead of rejecting: "
                             f"{r.get('message', '')}"[:300], r.get("message", ""))
            if want and code != want and code not in ERROR_ALIASES.get(want, ()):
                if error_codes == "strict":
                    return _fail("wrong_error", f"{c.op}: rejected with {code}, expected {want}",
                                 r.get("message", ""))
                # The corpus's `error` is diagnostic advice: the rejection is what conformance requires.
                notes.append(f"{c.op}: rejected with {code}; the vector advises {want}")
        return None

    def outputs_ok():
        for c, r in results:
            out = r.get("output", {})
            for f, exp in c.expected_output.items():
                if f not in out:
                    return _fail("missing_output", f"{c.op}: output lacks field {f!r}")
                if norm_field(f, exp) != norm_field(f, out[f]):
                    d = first_difference(f, exp, out[f])
                    return _fail("mismatch", f"{c.op}: wrong {f}", d)
        return None

    if expect == ACCEPT:
        bad = [(c, r) for c, r in results if r["status"] != "ok"]
        if bad:
            c, r = bad[0]
            what = "valid" if case.result == "valid" else f"acceptable under {plan_.profile_note}"
            return _fail("rejected_valid", f"{c.op}: rejected a {what} input with {r.get('error')}: "
                         f"{r.get('message', '')}"[:300], r.get("message", ""))
        f = outputs_ok()
        return f or {"verdict": "pass", "reason": "outputs match", "evidence": ""}
    if expect == REJECT:
        bad = [(c, r) for c, r in results if r["status"] != "error"]
        if bad:
            c, r = bad[0]
            what = "an invalid" if case.result == "invalid" else f"a rejected-under-{plan_.profile_note}"
            return _fail("accepted_invalid", f"{c.op}: accepted {what} input", _short(r.get("output"), 600))
        f = errors_ok()
        return f or {"verdict": "pass", "reason": "rejected as expected", "evidence": "; ".join(notes),
                     "error_code_differs": bool(notes)}
    # EITHER: consistent rejection, or acceptance with the vector's outputs.
    if all(s == "error" for s in statuses):
        f = errors_ok()
        return f or {"verdict": "pass", "reason": "acceptable: rejected", "evidence": "; ".join(notes),
                     "error_code_differs": bool(notes), "profile_note": plan_.profile_note or "rejects"}
    if all(s == "ok" for s in statuses):
        f = outputs_ok()
        return f or {"verdict": "pass", "reason": "acceptable: accepted with the vector's outputs", "evidence": "",
                     "profile_note": plan_.profile_note or "accepts"}
    return _fail("inconsistent", "acceptable input accepted in one direction and rejected in the other: " +
                 ", ".join(f"{c.op}={r['status']}" for c, r in results))


# -- report helpers --------------------------------------------------------------

def actual_summary(results):
    out = []
    for c, r in results:
        e = {"op": c.op, "status": r.get("status")}
        for k in ("output", "error", "message", "reason"):
            if k in r:
                e[k] = r[k]
        out.append(e)
    return out


def compact(v, limit=2048):
    """Replaces long strings by a stub with their length and SHA-256, so a
    report stays small with 64 KiB vectors in it."""
    if isinstance(v, str):
        if len(v) <= limit:
            return v
        return {"truncated": True, "chars": len(v), "sha256": hashlib.sha256(v.encode()).hexdigest(),
                "head": v[:256]}
    if isinstance(v, list):
        return [compact(x, limit) for x in v]
    if isinstance(v, dict):
        return {k: compact(x, limit) for k, x in v.items()}
    return v
