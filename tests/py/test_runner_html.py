"""The cross-implementation HTML matrix: self-contained, opens from disk, and
renders in headless Chromium to a non-blank page that names every
implementation."""

import os
import shutil
import struct
import subprocess
import sys
import zlib

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")


def bundled_reports():
    names = ["autobahn", "pynacl"] + (["tweetnacl-js", "libsodium-js"] if T.js_ready() else []) + \
        (["cpp"] if T.cpp_adapter() else [])
    return [T.full_run(n)[2] for n in names], [T.full_run(n)[0] for n in names]


def decode_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG, with zlib+struct only."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def test_matrix_html_is_self_contained(tmp_path):
    paths, reps = bundled_reports()
    out = tmp_path / "matrix.html"
    p = T.run_cli(["matrix"] + paths + ["--html", str(out)])
    assert p.returncode == 0, p.stderr
    html = out.read_text(encoding="utf-8")
    for r in reps:
        assert r["implementation"]["name"] in html and r["implementation"]["version"] in html
    for layer in ("crypto_box", "keyring", "envelope", "message"):
        assert layer in html
    assert "LowOrderPublicKey" in html and ("low_order_keys=compute" in html or not T.js_ready())
    # Nothing to fetch: no external scripts, styles, images or fonts.
    for bad in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert bad not in html, bad


def test_matrix_renders_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (scripts/setup.sh installs Debian's chromium)")
    paths, reps = bundled_reports()
    html = tmp_path / "matrix.html"
    assert T.run_cli(["matrix"] + paths + ["--html", str(html)]).returncode == 0
    png = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1400,1200",
           "--hide-scrollbars", html.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, cwd=tmp_path)
    assert png.exists() and png.stat().st_size > 1000
    w, h, rows = decode_png(str(png))
    assert (w, h) == (1400, 1200)
    bg = rows[h - 1][w - 1]
    non_bg = sum(1 for r in rows for px in r if max(abs(px[k] - bg[k]) for k in range(3)) > 24)
    # A blank or error page has (almost) nothing but background.
    assert non_bg > 0.03 * w * h, non_bg
    # The matrix's colours are there: green (pass) cells, and the red of the failures Autobahn has.
    greens = sum(1 for r in rows for px in r if px[1] > 200 and px[0] < 215 and px[2] < 215 and px[1] - px[0] > 25)
    reds = sum(1 for r in rows for px in r if px[0] > 240 and px[1] < 215 and px[2] < 215 and px[0] - px[1] > 40)
    assert greens > 2000 and reds > 200, (greens, reds)
    # Every implementation has a column: the header row's names are in the page text the browser saw.
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path).stdout
    for r in reps:
        assert r["implementation"]["name"] in dom


# A proxy adapter: Autobahn's, with two kinds of wrong answers injected, so the
# report has failing cases with a JSON plaintext mismatch and a binary one.
PROXY = r'''
import json, subprocess, sys
inner = subprocess.Popen(["/usr/bin/python3", ADAPTER_PATH], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
for line in sys.stdin:
    m = json.loads(line)
    inner.stdin.write(line); inner.stdin.flush()
    if m.get("type") == "bye":
        break
    r = json.loads(inner.stdout.readline())
    out = r.get("output") or {}
    if m.get("op") == "payload_encode" and out.get("plaintext") and m["id"] % 3 == 0:
        pt = bytes.fromhex(out["plaintext"]).decode("utf-8").replace('"kwargs":{}', '"kwargs":null')
        out["plaintext"] = pt.encode("utf-8").hex()
    if m.get("op") == "box_seal" and m["id"] % 3 == 0:
        ct = bytearray(bytes.fromhex(out["ct"])); ct[len(ct) // 2] ^= 0x10; out["ct"] = ct.hex()
    sys.stdout.write(json.dumps(r) + "\n"); sys.stdout.flush()
'''


def failing_report(tmp_path):
    proxy = tmp_path / "proxy.py"
    proxy.write_text(PROXY.replace("ADAPTER_PATH", repr(os.path.join(T.CONFORMANCE, "adapters", "autobahn_adapter.py"))))
    out = tmp_path / "out"
    p = T.run_cli(["--cmd", f"/usr/bin/python3 {proxy}", "--out", str(out), "--progress", "none", "--no-derived",
                   "--file", "payload_test,crypto_box_test", "--op", "payload_encode,box", "--result", "valid"])
    assert p.returncode == 1, p.stdout + p.stderr
    import json
    return json.loads((out / "report.json").read_text()), out / "report.html"


def test_failing_cases_show_reason_and_diff_inline(tmp_path):
    rep, html_path = failing_report(tmp_path)
    html = html_path.read_text(encoding="utf-8")
    fails = [c for c in rep["cases"] if c["verdict"] == "fail"]
    text = [c for c in fails if c["op"] == "payload_encode"]
    binary = [c for c in fails if c["op"] == "box"]
    assert text and binary
    # JSON plaintexts: a readable text diff (the UTF-8 text, a caret, a unified diff of the documents).
    for c in text:
        ev = c["evidence"]
        assert "text diff (UTF-8)" in ev and '+ got:' in ev and '"kwargs":null' in ev and "^" in ev, ev
        assert '-  "kwargs": {}' in ev.replace('- "kwargs": {}', '-  "kwargs": {}') or '"kwargs": {}' in ev
    # Binary: a hex diff with the first differing byte bracketed.
    for c in binary:
        ev = c["evidence"]
        n = len(bytes.fromhex(c["actual"][0]["output"]["ct"])) // 2
        assert f"first difference at byte {n}" in ev and "hex diff" in ev and ev.count("[") >= 2, ev
    # Inline in the HTML: reason and evidence in the failing cell itself, not a tooltip.
    import html as H
    for c in fails:
        assert H.escape(c["reason"]) in html
        first_line = c["evidence"].splitlines()[1]
        assert H.escape(first_line) in html, first_line
    assert html.count("<pre class=ev>") == len(fails)


def test_filter_keywords_in_headless_chromium(tmp_path):
    """Typing "fail" shows the failing rows (and only those); the query comes
    from the URL (#q=...), applied by the page's own script in Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (scripts/setup.sh installs Debian's chromium)")
    import re
    rep, html_path = failing_report(tmp_path)
    nfail = sum(c["verdict"] == "fail" for c in rep["cases"])
    npass = sum(c["verdict"] == "pass" for c in rep["cases"])
    assert nfail and npass

    def rows(query):
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                              "--no-first-run", "--disable-background-networking", "--disable-component-update",
                              "--disable-sync", f"--user-data-dir={tmp_path / ('p-' + query.replace(' ', '_'))}",
                              "--dump-dom", html_path.as_uri() + "#q=" + query.replace(" ", "%20")],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path).stdout
        trs = re.findall(r"<tr class=\"case\"([^>]*)>(.*?)</tr>", dom, re.S)
        assert len(trs) == len(rep["cases"]), len(trs)
        shown = [body for attrs, body in trs if "display: none" not in attrs]
        return shown, dom

    shown, dom = rows("fail")
    assert len(shown) == nfail, (len(shown), nfail)
    assert all('class="c fail"' in b for b in shown)
    # The group with failures is open, and the reason is on the page the browser built.
    assert "<details class=\"grp\" open" in dom
    shown, _ = rows("pass")
    assert len(shown) == npass
    shown, _ = rows("fail payload_encode")  # words combine
    assert len(shown) == sum(c["verdict"] == "fail" and c["op"] == "payload_encode" for c in rep["cases"]) > 0
    shown, _ = rows("mismatch")
    assert len(shown) == nfail
