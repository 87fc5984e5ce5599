"""Bad input through the wampbox CLI: every case must end with the documented
exit code (docs/cli.md: 0 ok, 1 crypto/verification failure, 2 usage,
3 malformed input, 4 I/O), name the error code on stderr, and print NO
plaintext: stdout stays empty and the secret marker inside the payload never
appears on stdout or stderr.

Each malformed frame is also given to Autobahn, which must reject it too: the
inputs are invalid for the reference, not just for wampbox.

scripts/test.sh runs this file a second time against the ASan/UBSan build
(WAMPBOX_BUILD_DIR=build-asan), where sanitizer findings exit with 86/87.
"""

import json
import os

import pytest
from nacl.encoding import Base64Encoder
from nacl.public import Box, PrivateKey, PublicKey

from conftest import PREFIX, URIS, ids_for
from wampbox_py import autobahn_ref as ref

SECRET = "TOP-SECRET-PLAINTEXT-7f3a9c"
ARGS = [SECRET, 1, {"nested": SECRET + "-2"}]
KWARGS = {"k": SECRET + "-3"}
NONCE = bytes(range(100, 124))
SERS = ref.SERIALIZERS


def ab_encrypted(mtype, ser, ab_keyring, **kw):
    """Autobahn's encrypted message of `mtype` carrying the secret."""
    return ref.build_message(mtype, URIS[mtype], ARGS, KWARGS, ids=ids_for(mtype), keyring=ab_keyring, nonce=NONCE,
                             **kw)


def raw_with(msg, index, value):
    """The marshalled list of `msg` with element `index` replaced."""
    raw = list(ref.marshal(msg))
    raw[index] = value
    return raw


def payload_index(raw):
    return len(raw) - 1


def assert_failed(res, rc, code):
    assert res.rc == rc, f"expected exit {rc} ({code}), got {res.rc}\n{res}"
    assert res.error_code == code, f"expected error code {code!r} on stderr\n{res}"
    assert res.stdout == b"", f"stdout must be empty on failure, got {res.stdout[:200]!r}"
    assert SECRET not in res.stderr, "plaintext leaked to stderr"


def assert_autobahn_rejects(frame, ser, keyring, uri=None, keyring_role=None):
    with pytest.raises(Exception):
        ref.decode_frame(frame, ser, keyring, uri=uri, is_originating=keyring_role)


def open_default(wampbox, frame, ser, keyring_file, mtype, uri=None):
    if uri is None and mtype not in ref.FRAME_HAS_URI:
        uri = URIS[mtype]
    role = {"PUBLISH": "responder", "CALL": "responder", "YIELD": "originator"}.get(mtype)
    return wampbox.open(frame, ser, keyring_file, uri=uri, role=role)


# -- sanity: the unmodified frames open --------------------------------------

@pytest.mark.parametrize("ser", SERS)
def test_unmodified_frame_opens(wampbox, keyring_file, ab_keyring, ser):
    frame = ref.serialize(ab_encrypted("PUBLISH", ser, ab_keyring), ser)
    res = open_default(wampbox, frame, ser, keyring_file, "PUBLISH")
    assert res.rc == 0, str(res)
    assert ref.values_equal(res.json()["decrypted"]["args"], ARGS)


# -- crypto / verification failures: exit 1 ----------------------------------

def _flip(payload, i):
    b = bytearray(payload)
    b[i] ^= 0x01
    return bytes(b)


PAYLOAD_MUTATIONS = {
    "flip_nonce_byte": lambda p: _flip(p, 0),
    "flip_mac_byte": lambda p: _flip(p, 24),
    "flip_ciphertext_byte": lambda p: _flip(p, len(p) - 1),
    "truncated_by_1": lambda p: p[:-1],
    "truncated_to_39": lambda p: p[:39],   # shorter than nonce + MAC
    "truncated_to_1": lambda p: p[:1],
    "extended_by_1": lambda p: p + b"\x00",
}


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("mutation", list(PAYLOAD_MUTATIONS))
def test_tampered_payload(wampbox, keyring_file, ab_keyring, ser, mutation):
    raw = ref.marshal(ab_encrypted("PUBLISH", ser, ab_keyring))
    raw = list(raw)
    raw[payload_index(raw)] = PAYLOAD_MUTATIONS[mutation](raw[payload_index(raw)])
    frame = ref.raw_frame(raw, ser)
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 1, "decrypt_failed")


@pytest.mark.parametrize("ser", SERS)
def test_wrong_key(wampbox, keydir, ab_keyring, ser):
    frame = ref.serialize(ab_encrypted("CALL", ser, ab_keyring), ser)
    other = {k: PrivateKey.generate() for k in ("o", "r")}
    parts = {"originator_priv": other["o"].encode(Base64Encoder).decode(),
             "responder_priv": other["r"].encode(Base64Encoder).decode()}
    path = ref.write_keyring_file(keydir / f"wrong-{ser}.json", {PREFIX: parts})
    assert_autobahn_rejects(frame, ser, ref.make_keyring({PREFIX: parts}))
    assert_failed(open_default(wampbox, frame, ser, path, "CALL"), 1, "decrypt_failed")


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("mtype,held", [("EVENT", ref.ORIGINATOR_ONLY), ("INVOCATION", ref.ORIGINATOR_ONLY),
                                         ("RESULT", ref.RESPONDER_ONLY), ("ERROR", ref.RESPONDER_ONLY)],
                         ids=["EVENT-at-originator", "INVOCATION-at-originator", "RESULT-at-responder",
                              "ERROR-at-responder"])
def test_wrong_role(wampbox, keydir, ab_keyring, ser, mtype, held):
    """A receiver holding only the other side's keys has no box for the
    message: Autobahn raises 'can't find key'; wampbox says missing_role."""
    frame = ref.serialize(ab_encrypted(mtype, ser, ab_keyring), ser)
    path = ref.write_keyring_file(keydir / f"role-{mtype}-{ser}.json", {PREFIX: held})
    assert_autobahn_rejects(frame, ser, ref.make_keyring({PREFIX: held}), uri=URIS[mtype])
    assert_failed(open_default(wampbox, frame, ser, path, mtype), 1, "missing_role")


@pytest.mark.parametrize("ser", SERS)
def test_no_key_for_uri(wampbox, keydir, ab_keyring, ser):
    frame = ref.serialize(ab_encrypted("PUBLISH", ser, ab_keyring), ser)
    entries = {"com.other.": ref.SAMPLE_KEYS}
    path = ref.write_keyring_file(keydir / f"nokey-{ser}.json", entries)
    assert_autobahn_rejects(frame, ser, ref.make_keyring(entries))
    assert_failed(open_default(wampbox, frame, ser, path, "PUBLISH"), 1, "no_key")


@pytest.mark.parametrize("ser", SERS)
def test_uri_mismatch_cli_uri(wampbox, keyring_file, ab_keyring, ser):
    """--uri other (covered by the same key): decrypts, then the uri inside
    differs from the expected one."""
    frame = ref.serialize(ab_encrypted("PUBLISH", ser, ab_keyring), ser)
    other = PREFIX + "other"
    assert_autobahn_rejects(frame, ser, ab_keyring, uri=other)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH", uri=other), 1, "uri_mismatch")


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("mtype", ["PUBLISH", "CALL", "ERROR"])
def test_uri_mismatch_forged_envelope(wampbox, keyring_file, ab_keyring, ser, mtype):
    """The payload was sealed for another URI than the frame's."""
    msg = ab_encrypted(mtype, ser, ab_keyring, payload_uri=PREFIX + "forged")
    frame = ref.serialize(msg, ser)
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, mtype), 1, "uri_mismatch")


def _box_frame(ser, plaintext):
    """A PUBLISH whose payload is `plaintext` sealed with the sample keys."""
    box = Box(PrivateKey(ref.SAMPLE_KEYS["originator_priv"], Base64Encoder),
              PublicKey(ref.SAMPLE_KEYS["responder_pub"], Base64Encoder))
    payload = bytes(box.encrypt(plaintext, NONCE))
    return ref.raw_frame([16, 1, {"enc_algo": "cryptobox", "enc_serializer": "json"}, URIS["PUBLISH"], payload], ser)


BAD_PLAINTEXTS = {
    "not_json": SECRET.encode(),
    "json_array": json.dumps([SECRET]).encode(),
    "json_string": json.dumps(SECRET).encode(),
    "invalid_utf8": b'{"uri":"' + URIS["PUBLISH"].encode() + b'","args":["\xff' + SECRET.encode() + b'"],"kwargs":{}}',
    "truncated_json": ('{"uri":"%s","args":["%s"' % (URIS["PUBLISH"], SECRET)).encode(),
}


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("case", list(BAD_PLAINTEXTS))
def test_malformed_plaintext(wampbox, keyring_file, ab_keyring, ser, case):
    frame = _box_frame(ser, BAD_PLAINTEXTS[case])
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 1, "malformed_plaintext")


# -- enc_algo / enc_serializer ---------------------------------------------

def _with_option(ser, ab_keyring, key, value, mtype="PUBLISH"):
    raw = list(ref.marshal(ab_encrypted(mtype, ser, ab_keyring)))
    opts_i = {"PUBLISH": 2, "EVENT": 3, "CALL": 2, "RESULT": 2}[mtype]
    opts = dict(raw[opts_i])
    opts[key] = value
    raw[opts_i] = opts
    return ref.raw_frame(raw, ser)


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("algo", ["x_custom", "mqtt", "xbr"])
def test_unsupported_enc_algo(wampbox, keyring_file, ab_keyring, ser, algo):
    """A valid but unsupported enc_algo: Autobahn parses the frame, then has no
    codec for it (its KeyRing.decode asserts enc_algo == 'cryptobox')."""
    frame = _with_option(ser, ab_keyring, "enc_algo", algo)
    assert ref.parse_frame(frame, ser).enc_algo == algo
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 1, "unsupported_enc_algo")


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("algo", ["bogus", "CRYPTOBOX", 5])
def test_invalid_enc_algo(wampbox, keyring_file, ab_keyring, ser, algo):
    frame = _with_option(ser, ab_keyring, "enc_algo", algo)
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 3, "protocol_error")


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("enc_ser", ["msgpack", "cbor", "x_mine"])
def test_unsupported_enc_serializer(wampbox, keyring_file, ab_keyring, ser, enc_ser):
    """Decrypts fine (the plaintext is JSON), then fails on enc_serializer, as
    Autobahn does: the decrypted plaintext must still not be printed."""
    frame = _with_option(ser, ab_keyring, "enc_serializer", enc_ser)
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 1, "unsupported_enc_serializer")


@pytest.mark.parametrize("ser", SERS)
@pytest.mark.parametrize("key,value", [("enc_serializer", "bogus"), ("enc_serializer", 1), ("enc_key", 123)],
                         ids=["enc_serializer-bogus", "enc_serializer-int", "enc_key-int"])
def test_invalid_enc_options(wampbox, keyring_file, ab_keyring, ser, key, value):
    frame = _with_option(ser, ab_keyring, key, value)
    assert_autobahn_rejects(frame, ser, ab_keyring)
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 3, "protocol_error")


# -- malformed frames: exit 3 -----------------------------------------------

def _structural_cases(ser, ab_keyring):
    """name -> (frame object to serialize, message type for the open call).
    Payload-shape cases use EVENT: Autobahn's PUBLISH/CALL/RESULT parsers also
    take a str payload (and PUBLISH bytes args), EVENT's is strict."""
    pub = ab_encrypted("PUBLISH", ser, ab_keyring)
    ev = ab_encrypted("EVENT", ser, ab_keyring)
    payload = pub.payload
    raw_ev = list(ref.marshal(ev))
    cases = {
        "not_a_list": ({"a": 1}, "PUBLISH"),
        "empty_list": ([], "PUBLISH"),
        "type_not_int": (["16", 1, {}, URIS["PUBLISH"], payload], "PUBLISH"),
        "unknown_type": ([99, 1, {}, URIS["PUBLISH"], payload], "PUBLISH"),
        "request_is_str": (raw_with(pub, 1, "1"), "PUBLISH"),
        "request_negative": (raw_with(pub, 1, -1), "PUBLISH"),
        "request_above_2_53": (raw_with(pub, 1, 2**53 + 1), "PUBLISH"),
        "options_is_list": (raw_with(pub, 2, []), "PUBLISH"),
        "uri_is_int": (raw_with(pub, 3, 7), "PUBLISH"),
        "too_short": (list(ref.marshal(pub))[:3], "PUBLISH"),
        "too_long": (list(ref.marshal(pub)) + [{}, {}], "PUBLISH"),
        "payload_is_int": (raw_with(ev, 4, 7), "EVENT"),
        "payload_is_dict": (raw_with(ev, 4, {"p": 1}), "EVENT"),
        "payload_then_kwargs": (raw_ev + [{"k": 1}], "EVENT"),
        "event_subscription_str": (raw_with(ev, 1, "5"), "EVENT"),
        "error_bad_request_type": ([8, 99, 1, {}, URIS["ERROR"], payload], "ERROR"),
        "yield_details_str": ([70, 1, "opts", payload], "YIELD"),
    }
    if ser != "json":  # JSON has no text/binary distinction but the \u0000 prefix
        cases["payload_is_text"] = (raw_with(ev, 4, payload.hex()), "EVENT")
    return cases


STRUCTURAL_NAMES = ["not_a_list", "empty_list", "type_not_int", "unknown_type", "request_is_str",
                    "request_negative", "request_above_2_53", "options_is_list", "uri_is_int", "too_short",
                    "too_long", "payload_is_int", "payload_is_dict", "payload_then_kwargs",
                    "event_subscription_str", "error_bad_request_type", "yield_details_str", "payload_is_text"]
STRUCTURAL = [(ser, name) for ser in SERS for name in STRUCTURAL_NAMES
              if not (ser == "json" and name == "payload_is_text")]


@pytest.mark.parametrize("ser,case", STRUCTURAL, ids=[f"{s}-{n}" for s, n in STRUCTURAL])
def test_wrong_element_types(wampbox, keyring_file, ab_keyring, ser, case):
    obj, mtype = _structural_cases(ser, ab_keyring)[case]
    frame = ref.raw_frame(obj, ser)
    assert_autobahn_rejects(frame, ser, ab_keyring, uri=URIS[mtype])
    assert_failed(open_default(wampbox, frame, ser, keyring_file, mtype), 3, "protocol_error")


SYNTAX_NAMES = {
    "json": ["invalid_json_syntax", "invalid_base64_padding", "invalid_base64_char"],
    "msgpack": ["bin32_length_past_end", "reserved_byte_c1"],
    "cbor": ["indefinite_array_unterminated", "reserved_additional_info"],
}
SYNTAX = [(ser, name) for ser in SERS
          for name in ["empty_input", "truncated_frame", "truncated_to_half", "trailing_garbage",
                       "invalid_utf8_in_uri"] + SYNTAX_NAMES[ser]]


def _syntax_cases(ser, ab_keyring):
    """name -> (frame bytes, expected error code)."""
    frame = ref.serialize(ab_encrypted("PUBLISH", ser, ab_keyring), ser)
    uri = URIS["PUBLISH"].encode()
    assert uri in frame
    cases = {
        "empty_input": (b"", "parse_error"),
        "truncated_frame": (frame[:-7], "parse_error"),
        "truncated_to_half": (frame[: len(frame) // 2], "parse_error"),
        "trailing_garbage": (frame + (b" x" if ser == "json" else b"\x01"), "parse_error"),
        "invalid_utf8_in_uri": (frame.replace(uri, uri[:-1] + b"\xff"), "invalid_utf8"),
    }
    if ser == "json":
        b64 = frame.split(b'"\\u0000', 1)[1].split(b'"', 1)[0]
        cases["invalid_json_syntax"] = (b"[16,1,{},]", "parse_error")
        cases["invalid_base64_padding"] = (frame.replace(b64, b64[:-1]), "invalid_base64")
        cases["invalid_base64_char"] = (frame.replace(b64, b"*" + b64[1:]), "invalid_base64")
    elif ser == "msgpack":
        cases["bin32_length_past_end"] = (b"\x95\x10\x01\x80\xa1a\xc6\xff\xff\xff\xff", "parse_error")
        cases["reserved_byte_c1"] = (b"\x95\x10\x01\x80\xa1a\xc1", "parse_error")
    else:
        cases["indefinite_array_unterminated"] = (b"\x9f\x10\x01\xa0", "parse_error")
        cases["reserved_additional_info"] = (b"\x85\x10\x01\xa0\x1c", "parse_error")
    return cases


@pytest.mark.parametrize("ser,case", SYNTAX, ids=[f"{s}-{n}" for s, n in SYNTAX])
def test_malformed_serialization(wampbox, keyring_file, ab_keyring, ser, case):
    frame, code = _syntax_cases(ser, ab_keyring)[case]
    if not (ser == "cbor" and case == "trailing_garbage"):
        assert_autobahn_rejects(frame, ser, ab_keyring)
    # else: cbor2.loads ignores trailing bytes, so Autobahn accepts the frame;
    # wampbox is stricter on purpose (a frame is exactly one item).
    assert_failed(open_default(wampbox, frame, ser, keyring_file, "PUBLISH"), 3, code)


# -- usage and I/O ---------------------------------------------------------------

def test_usage_errors(wampbox, keyring_file):
    cases = {
        "no_subcommand": [],
        "unknown_subcommand": ["frobnicate"],
        "unknown_option": ["open", "--serializer", "json", "--keyring", str(keyring_file), "--bogus", "-"],
        "bad_serializer": ["open", "--serializer", "xml", "--keyring", str(keyring_file), "-"],
        "seal_missing_type": ["seal", "--serializer", "json", "--keyring", str(keyring_file), "--uri", URIS["PUBLISH"],
                              "--args", "[]"],
        "seal_bad_type": ["seal", "--type", "HELLO", "--serializer", "json", "--keyring", str(keyring_file),
                          "--uri", URIS["PUBLISH"]],
        "seal_bad_nonce_length": ["seal", "--type", "PUBLISH", "--serializer", "json", "--keyring",
                                  str(keyring_file), "--uri", URIS["PUBLISH"], "--nonce", "0011"],
        "seal_bad_role": ["seal", "--type", "PUBLISH", "--serializer", "json", "--keyring", str(keyring_file),
                          "--uri", URIS["PUBLISH"], "--role", "router"],
    }
    failures = []
    for name, argv in cases.items():
        res = wampbox.run(*argv, input=b"")
        if res.rc != 2 or res.stdout != b"":
            failures.append(f"{name}: expected exit 2 and empty stdout\n{res}")
    assert not failures, "\n\n".join(failures)


def test_io_errors(wampbox, keyring_file, tmp_path):
    missing = tmp_path / "does-not-exist"
    cases = {
        "missing_keyring": ["open", "--serializer", "json", "--keyring", str(missing), "-"],
        "missing_input_file": ["open", "--serializer", "json", "--keyring", str(keyring_file), str(missing)],
        "unwritable_output": ["seal", "--type", "PUBLISH", "--serializer", "json", "--keyring", str(keyring_file),
                              "--uri", URIS["PUBLISH"], "--args", "[]", "--kwargs", "{}",
                              "--output", str(missing / "sub" / "out.bin")],
    }
    failures = []
    for name, argv in cases.items():
        res = wampbox.run(*argv, input=b"")
        if res.rc != 4 or res.stdout != b"":
            failures.append(f"{name}: expected exit 4 and empty stdout\n{res}")
    assert not failures, "\n\n".join(failures)


def test_invalid_keyring_files(wampbox, keydir):
    frame = ref.worked_example_frame()
    bad = {
        "not_json": "{",
        "not_an_object": "[]",
        "key_not_base64": json.dumps({PREFIX: {"private": "not a key!"}}),
        "key_wrong_length": json.dumps({PREFIX: {"private": "AAAA"}}),
        "unknown_field": json.dumps({PREFIX: {"private": ref.SAMPLE_KEYS["originator_priv"], "color": "red"}}),
        "contradicting_pub": json.dumps({PREFIX: {"originator_priv": ref.SAMPLE_KEYS["originator_priv"],
                                                  "originator_pub": ref.SAMPLE_KEYS["responder_pub"],
                                                  "responder_pub": ref.SAMPLE_KEYS["responder_pub"]}}),
        "no_box": json.dumps({PREFIX: {"originator_pub": ref.SAMPLE_KEYS["originator_pub"]}}),
    }
    failures = []
    for name, text in bad.items():
        path = keydir / f"bad-{name}.json"
        path.write_text(text)
        res = wampbox.open(frame, "json", path)
        # A bad keyring is bad input: exit 2 (usage) or 3 (malformed), never success.
        if res.rc not in (2, 3) or res.stdout != b"" or res.error_code not in ("invalid_key", "parse_error"):
            failures.append(f"{name}: expected exit 2/3 with invalid_key/parse_error\n{res}")
    assert not failures, "\n\n".join(failures)


def test_hex_keys_accepted(wampbox, keydir):
    """Autobahn rejects hex keys; wampbox accepts them (the
    format crossbar keygen prints). Same keys in hex open the worked example."""
    def to_hex(b64):
        return Base64Encoder.decode(b64.encode()).hex()
    hex_parts = {k: to_hex(v) for k, v in ref.SAMPLE_KEYS.items() if k.endswith("priv")}
    path = ref.write_keyring_file(keydir / "hex.json", {PREFIX: hex_parts})
    res = wampbox.open(ref.worked_example_frame(), "json", path, role="responder")
    assert res.rc == 0, str(res)
    assert res.json()["decrypted"]["args"] == ["Counter is at 1"]


def test_keygen(wampbox):
    res = wampbox.keygen()
    assert res.rc == 0, str(res)
    assert res.stdout.strip(), "keygen printed nothing"
    assert res.stdout != wampbox.keygen().stdout, "two keygen runs gave the same output"


def test_sanitizer_env_is_set_under_asan():
    """When run against the ASan tree, sanitizer findings must not be mistaken
    for wampbox's own exit codes."""
    if "asan" in os.environ.get("WAMPBOX_BUILD_DIR", ""):
        assert "exitcode=86" in os.environ.get("ASAN_OPTIONS", "")


# -- as a new user meets it (issue 10, item 7) ------------------------------------

def _seal_raw(wampbox, *argv, **kw):
    return wampbox.run("seal", *argv, **kw)


@pytest.mark.parametrize("ser", SERS)
def test_omitted_args_kwargs_are_what_an_autobahn_session_sends(wampbox, keyring_file, ab_keyring, ser):
    """`publish(topic)` in Autobahn seals args [] and kwargs {}: seal without
    --args/--kwargs gives the same frame byte for byte; --plain leaves them off
    the wire as marshal() does; explicit null still means None."""
    uri = URIS["PUBLISH"]
    res = _seal_raw(wampbox, "--type", "PUBLISH", "--serializer", ser, "--keyring", keyring_file, "--uri", uri,
                    "--request", "7", "--nonce", NONCE.hex(), "--hex")
    assert res.rc == 0, str(res)
    want = ref.build_message("PUBLISH", uri, [], {}, ids={"request": 7}, keyring=ab_keyring, nonce=NONCE)
    assert bytes.fromhex(res.stdout.decode().strip()) == ref.serialize(want, ser)
    opened = wampbox.open(bytes.fromhex(res.stdout.decode().strip()), ser, keyring_file, role="responder").json()
    assert opened["decrypted"]["args"] == [] and opened["decrypted"]["kwargs"] == {}
    res = _seal_raw(wampbox, "--type", "PUBLISH", "--serializer", ser, "--plain", "--uri", uri, "--request", "7",
                    "--hex")
    assert bytes.fromhex(res.stdout.decode().strip()) == ref.serialize(
        ref.build_message("PUBLISH", uri, [], {}, ids={"request": 7}), ser)
    res = _seal_raw(wampbox, "--type", "PUBLISH", "--serializer", ser, "--keyring", keyring_file, "--uri", uri,
                    "--args", "null", "--kwargs", "null", "--hex")
    opened = wampbox.open(bytes.fromhex(res.stdout.decode().strip()), ser, keyring_file, role="responder").json()
    assert opened["decrypted"]["args"] is None and opened["decrypted"]["kwargs"] is None
    helptext = wampbox.run("seal", "--help").stdout.decode()
    assert "[default [], what Autobahn's publish()/call() send]" in helptext and "[default {}" in helptext


def test_id_defaults_are_stated_and_request_type_is_required(wampbox, keyring_file):
    helptext = wampbox.run("seal", "--help").stdout.decode()
    for opt in ("--request N", "--subscription N", "--publication N", "--registration N"):
        line = next(x for x in helptext.splitlines() if x.strip().startswith(opt))
        assert "[default 0]" in line, line
    assert "ERROR, required" in helptext
    base = ["--type", "ERROR", "--serializer", "json", "--keyring", keyring_file, "--uri", URIS["ERROR"]]
    res = _seal_raw(wampbox, *base)
    assert res.rc == 2 and "--request-type is required" in res.stderr and res.stdout == b""
    res = _seal_raw(wampbox, *base, "--request-type", "0")
    assert res.rc == 2 and "68 INVOCATION" in res.stderr
    res = _seal_raw(wampbox, *base, "--request-type", "68", "--request", "5", "--hex")
    assert res.rc == 0, str(res)
    frame = bytes.fromhex(res.stdout.decode().strip())
    assert wampbox.inspect(frame, "json").json()["request_type"] == 68


@pytest.mark.parametrize("opt,mtype", [("request", "PUBLISH"), ("request", "CALL"), ("subscription", "EVENT"),
                                       ("publication", "EVENT"), ("registration", "INVOCATION")])
def test_seal_rejects_ids_above_2_53(wampbox, keyring_file, ab_keyring, opt, mtype):
    """2^53 is the largest id Autobahn (and `open`) accept; seal must not write a larger one."""
    argv = ["--type", mtype, "--serializer", "msgpack", "--keyring", keyring_file, "--uri", URIS[mtype], "--hex"]
    if mtype in ("EVENT", "INVOCATION"):
        argv += ["--role", "originator"]
    res = _seal_raw(wampbox, *argv, f"--{opt}", str(2 ** 53 + 1))
    assert res.rc == 2 and res.stdout == b"" and "at most 2^53" in res.stderr, str(res)
    res = _seal_raw(wampbox, *argv, f"--{opt}", str(2 ** 53))
    assert res.rc == 0, str(res)
    frame = bytes.fromhex(res.stdout.decode().strip())
    assert wampbox.inspect(frame, "msgpack").json()[opt] == 2 ** 53
    ref.unserialize(frame, "msgpack")  # Autobahn reads it too


@pytest.mark.parametrize("actual,given", [("json", "msgpack"), ("json", "cbor"), ("msgpack", "json"),
                                          ("msgpack", "cbor"), ("cbor", "json"), ("cbor", "msgpack")])
def test_wrong_serializer_gets_a_hint(wampbox, keyring_file, ab_keyring, actual, given):
    frame = ref.serialize(ab_encrypted("PUBLISH", actual, ab_keyring), actual)
    names = {"json": "JSON", "msgpack": "MessagePack", "cbor": "CBOR"}
    for res in (wampbox.open(frame, given, keyring_file), wampbox.inspect(frame, given)):
        assert res.rc == 3 and res.stdout == b"", str(res)
        assert f"this looks like {names[actual]} (it decodes with --serializer {actual})" in res.stderr, res.stderr
    # Hex text without --hex-input.
    res = wampbox.inspect(frame.hex().encode(), actual)
    assert res.rc == 3 and "this looks like hex text: add --hex-input" in res.stderr, res.stderr
    # A frame in the right serializer that is just broken gets no misleading hint.
    res = wampbox.inspect(frame[:-1], actual)
    assert res.rc == 3 and "looks like" not in res.stderr, res.stderr


def test_raw_binary_is_not_written_to_a_terminal(wampbox, keyring_file, tmp_path):
    import pty
    import subprocess
    base = [str(wampbox.binary), "seal", "--type", "PUBLISH", "--keyring", str(keyring_file), "--uri",
            URIS["PUBLISH"], "--args", f'["{SECRET}"]']

    def on_tty(*argv):
        master, slave = pty.openpty()
        try:
            p = subprocess.run(list(argv), stdout=slave, stderr=subprocess.PIPE, timeout=60)
            os.close(slave)
            slave = None
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                out += chunk
            return p.returncode, out, p.stderr.decode()
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)

    for ser in ("msgpack", "cbor"):
        rc, out, err = on_tty(*base, "--serializer", ser)
        assert rc == 2 and out == b"" and "refusing to write a binary" in err and "--output -" in err, (rc, out, err)
        rc, out, err = on_tty(*base, "--serializer", ser, "--output", "-")
        assert rc == 0 and len(out) > 40, (rc, err)
        rc, out, err = on_tty(*base, "--serializer", ser, "--hex")
        assert rc == 0 and bytes.fromhex(out.decode().strip()), (rc, err)
        rc, out, err = on_tty(*base, "--serializer", ser, "-o", str(tmp_path / f"f.{ser}"))
        assert rc == 0 and out == b"" and (tmp_path / f"f.{ser}").stat().st_size > 40
    # JSON frames are text: printed.
    rc, out, err = on_tty(*base, "--serializer", "json")
    assert rc == 0 and out.startswith(b"[16,"), (rc, out, err)
    # Not a terminal (a pipe, a file): raw bytes as before.
    res = wampbox.run(*base[1:], "--serializer", "cbor")
    assert res.rc == 0 and res.stdout[:1] == b"\x85"


# --- EIP-55 key ids (issue 13 item 2) ---------------------------------------------------------------------------
# The CLI links wampbox::ppt_ext when the build has it (impl/cli/CMakeLists.txt): it then writes key ids with the
# EIP-55 checksum and verifies mixed-case ids; without it, lowercase only. The expected checksums here come from
# an independent Keccak-256: PyCryptodome's (python3-pycryptodome), not wampbox's.

def _eip55(lower_id):
    from Cryptodome.Hash import keccak
    digits = lower_id[2:]
    h = keccak.new(digest_bits=256, data=digits.encode()).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(h[i], 16) >= 8 else c for i, c in enumerate(digits))


def _cli_has_ppt_ext(wampbox):
    build = wampbox.binary.parent.parent.parent
    return (build / "impl" / "ppt_ext" / "libwampbox_ppt_ext.a").exists() or any(
        (build / "impl" / "ppt_ext").glob("libwampbox_ppt_ext.so*"))


def test_keygen_keyid_is_the_spec_key_id(wampbox):
    import hashlib
    res = wampbox.keygen("--keyid", "--json")
    assert res.rc == 0, str(res)
    out = res.json()
    pub = Base64Encoder.decode(out["public"].encode())
    lower = "0x" + hashlib.sha256(pub).digest()[-20:].hex()
    expect = _eip55(lower) if _cli_has_ppt_ext(wampbox) else lower
    assert out["keyid"] == expect
    text = wampbox.keygen("--keyid", "--hex").stdout.decode()
    assert [line.split(":")[0] for line in text.splitlines()] == ["private", "public", "keyid"]


def _ppt_store(path, keyid, key=bytes(range(32))):
    path.write_text(json.dumps([{"prefix": "com.app.", "model": "symmetric", "keyid": keyid, "key": key.hex()}]))
    return str(path)


def _flip_case(eip):
    i = next(i for i in range(2, len(eip)) if eip[i].isalpha())
    return eip[:i] + eip[i].swapcase() + eip[i + 1:]


def test_ppt_keys_eip55_ids(wampbox, tmp_path):
    if not _cli_has_ppt_ext(wampbox):
        pytest.skip("this build has no wampbox::ppt_ext: the CLI writes lowercase ids and refuses mixed case")
    lower = "0x" + bytes(range(1, 21)).hex()  # has letters, so the checksum mixes case
    eip = _eip55(lower)
    assert eip != lower and eip.lower() == lower
    seal_args = ["seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "com.app.t", "--args", '["x"]']
    for written in (lower, eip):  # a store may name the key in either form; the frame carries the EIP-55 form
        store = _ppt_store(tmp_path / "s.json", written)
        res = wampbox.run(*seal_args, "--ppt-keys", store)
        assert res.rc == 0, str(res)
        frame = res.stdout
        assert json.loads(frame)[2]["ppt_keyid"] == eip
        opened = wampbox.run("open", "--serializer", "json", "--ppt-keys", store, "--role", "responder", "-",
                             input=frame)
        assert opened.rc == 0, str(opened)
        assert opened.json()["decrypted"]["args"] == ["x"]
    # A wrong checksum in a store file, or in a received frame, is bad_key_id (exit 3).
    res = wampbox.run(*seal_args, "--ppt-keys", _ppt_store(tmp_path / "bad.json", _flip_case(eip)))
    assert_failed(res, 3, "bad_key_id")
    bad_frame = frame.replace(eip.encode(), _flip_case(eip).encode())
    res = wampbox.run("open", "--serializer", "json", "--ppt-keys", store, "--role", "responder", "-", input=bad_frame)
    assert_failed(res, 3, "bad_key_id")


# -- decode limits: the CLI reads frames within DecodeLimits' defaults ---------------------

# A PUBLISH whose Arguments holds 2^20 + 1 zeros (over max_elements = 2^20), about 1-2 MB.
N_OVER = (1 << 20) + 1
OVER_ELEMENTS = {
    "msgpack": b"\x95\x10\x01\x80\xa1t\xdd" + N_OVER.to_bytes(4, "big") + b"\x00" * N_OVER,
    "cbor": b"\x85\x10\x01\xa0\x61t\x9a" + N_OVER.to_bytes(4, "big") + b"\x00" * N_OVER,
    "json": b'[16,1,{},"t",[' + b"0," * (N_OVER - 1) + b"0]]",
}


@pytest.mark.parametrize("ser", SERS)
def test_frame_over_decode_limits(wampbox, keyring_file, ser):
    frame = OVER_ELEMENTS[ser]
    assert_failed(wampbox.inspect(frame, ser), 3, "limit_exceeded")
    assert_failed(wampbox.open(frame, ser, keyring_file, uri="t", role="responder"), 3, "limit_exceeded")
