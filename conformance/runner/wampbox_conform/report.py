"""Reports: the JSON report of one run, JUnit XML, and the static HTML matrix
that combines several JSON reports (one column per implementation).

The HTML is one self-contained file: inline CSS, no scripts needed to read it
(a small inline script only adds a text filter), no external resources, so it
opens from disk and renders the same in a headless browser.
"""

import datetime
import html
import json
import os
import xml.etree.ElementTree as ET

REPORT_FORMAT = "wampbox-conform-report/1"
VERDICTS = ("pass", "fail", "unsupported")


# -- JSON ----------------------------------------------------------------------

def write_json(report, path):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, ensure_ascii=True, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        rep = json.load(f)
    if rep.get("format") != REPORT_FORMAT:
        raise ValueError(f"{path}: not a {REPORT_FORMAT} report (format={rep.get('format')!r})")
    return rep


# -- JUnit ---------------------------------------------------------------------

def write_junit(report, path):
    """One <testsuite> per operation, one <testcase> per vector; failures carry
    the reason and evidence, UNSUPPORTED cases are <skipped> with the reason."""
    impl = report["implementation"]
    impl_id = _slug(impl["name"])
    by_op = {}
    for c in report["cases"]:
        by_op.setdefault((c["layer"], c["op"]), []).append(c)
    for c in report.get("derived_cases", []):
        by_op.setdefault(("derived." + c["layer"], c["op"]), []).append(c)
    root = ET.Element("testsuites", name=f"wampbox-conform {impl['name']} {impl['version']}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    harness = report.get("run", {}).get("harness_error", "")
    incomplete = report.get("incomplete")
    if harness or incomplete:
        # The run itself went wrong: one <error> a CI system shows first.
        suite = ET.SubElement(root, "testsuite", name=f"{impl_id}.harness", tests="1", failures="0", errors="1",
                              skipped="0", time="0")
        tc = ET.SubElement(suite, "testcase", classname=f"{impl_id}.harness", name="adapter session", time="0")
        msg = harness or (f"run interrupted by {report['run'].get('interrupted_by', 'a signal')}; "
                          f"{report['run'].get('not_run', 0)} case(s) not run; this report is incomplete")
        e = ET.SubElement(tc, "error", message=msg[:1000], type="harness" if harness else "incomplete")
        e.text = msg
        totals["tests"] += 1
        totals["errors"] += 1
    for (layer, op), cases in sorted(by_op.items()):
        fails = sum(c["verdict"] == "fail" for c in cases)
        skips = sum(c["verdict"] == "unsupported" for c in cases)
        t = sum(c.get("time_ms", 0.0) for c in cases) / 1000.0
        suite = ET.SubElement(root, "testsuite", name=f"{impl_id}.{layer}.{op}", tests=str(len(cases)),
                              failures=str(fails), errors="0", skipped=str(skips), time=f"{t:.3f}")
        props = ET.SubElement(suite, "properties")
        for k, v in (("implementation", impl["name"]), ("version", impl["version"]),
                     ("profile", json.dumps(impl.get("profile", {}), sort_keys=True)),
                     ("suite_version", report["suite"]["version"])):
            ET.SubElement(props, "property", name=k, value=str(v))
        for c in cases:
            name = f"tcId {c['tcId']}: {c.get('comment', '')}".strip()
            tc = ET.SubElement(suite, "testcase", classname=f"{impl_id}.{layer}.{op}.{_slug(c['file_stem'])}",
                               name=name, time=f"{c.get('time_ms', 0.0) / 1000.0:.4f}")
            if c["verdict"] == "fail":
                f = ET.SubElement(tc, "failure", message=c.get("reason", ""), type=c.get("failure_kind", "mismatch"))
                f.text = _case_text(c)
            elif c["verdict"] == "unsupported":
                ET.SubElement(tc, "skipped", message="UNSUPPORTED: " + c.get("reason", ""))
            out = ET.SubElement(tc, "system-out")
            out.text = f"flags={','.join(c.get('flags', []))} result={c['result']} judged_as={c.get('judged_as', '')}"
            if c.get("wire"):
                # Live mode: the frames the router saw during this scenario.
                out.text += "\nwire:\n" + c["wire"]
        totals["tests"] += len(cases)
        totals["failures"] += fails
        totals["skipped"] += skips
        totals["time"] += t
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("skipped", str(totals["skipped"]))
    root.set("time", f"{totals['time']:.3f}")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _case_text(c):
    lines = [f"reason: {c.get('reason', '')}", f"expected result: {c['result']} (judged as {c.get('judged_as', '')})"]
    if c.get("evidence"):
        lines.append("evidence: " + c["evidence"])
    lines.append("expected: " + json.dumps(c.get("expected"), ensure_ascii=False)[:4000])
    lines.append("actual: " + json.dumps(c.get("actual"), ensure_ascii=False)[:4000])
    return "\n".join(lines)


def _slug(s):
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(s))


# -- summaries -----------------------------------------------------------------

def summarize(cases):
    """Counts per verdict overall and per layer, op, flag, file and expected
    result; used by the JSON report, the terminal summary and the matrix."""
    def bump(d, key, verdict):
        e = d.setdefault(key, {"total": 0, "pass": 0, "fail": 0, "unsupported": 0})
        e["total"] += 1
        e[verdict] += 1

    s = {"total": 0, "pass": 0, "fail": 0, "unsupported": 0,
         "by_layer": {}, "by_op": {}, "by_flag": {}, "by_file": {}, "by_result": {}, "failure_kinds": {},
         "error_code_differs": 0}
    for c in cases:
        v = c["verdict"]
        s["total"] += 1
        s[v] += 1
        bump(s["by_layer"], c["layer"], v)
        bump(s["by_op"], f"{c['layer']}/{c['op']}", v)
        bump(s["by_file"], c["file"], v)
        bump(s["by_result"], c["result"], v)
        for fl in c.get("flags", []) or ["(no flag)"]:
            bump(s["by_flag"], fl, v)
        if c.get("error_code_differs"):
            s["error_code_differs"] += 1
        if v == "fail":
            k = c.get("failure_kind", "mismatch")
            s["failure_kinds"][k] = s["failure_kinds"].get(k, 0) + 1
    return s


# -- HTML matrix ---------------------------------------------------------------

_CSS = """
body{font:14px/1.35 -apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:16px 20px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 6px;border-bottom:2px solid #d0d7de;padding-bottom:3px}
.meta{color:#57606a;font-size:12px;margin-bottom:10px}
table{border-collapse:collapse;margin:4px 0 10px}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}
td.c{text-align:center;white-space:nowrap;font-variant-numeric:tabular-nums}
.pass{background:#c8f0cf;color:#0f5323}.fail{background:#ffc9c9;color:#82071e;font-weight:600}
.unsup{background:#e6e8eb;color:#57606a}.part{background:#fff1b8;color:#6b4a00}.none{background:#fff;color:#afb8c1}
.prof{background:#d7e7ff;color:#0a3069}
.impl{font-weight:700}.ver{font-weight:400;color:#57606a;font-size:12px}
details{margin:3px 0}summary{cursor:pointer;font-weight:600;padding:2px 0}
.small{font-size:12px;color:#57606a}.flag{display:inline-block;background:#eef1f4;border-radius:3px;padding:0 4px;margin:1px;font-size:11px}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border:1px solid #d0d7de}
input#flt{font-size:13px;padding:3px 6px;width:320px}
td.fail .why{font-weight:400;text-align:left;white-space:normal;max-width:560px;margin-top:2px}
pre.ev{font:11px/1.3 'DejaVu Sans Mono',monospace;background:#fff6f6;color:#24292f;border:1px solid #f0b4b4;
padding:4px 6px;margin:3px 0 0;text-align:left;white-space:pre;overflow-x:auto;max-width:760px;max-height:360px;font-weight:400}
details.wire{text-align:left;font-weight:400}details.wire summary{font-weight:400;font-size:12px}
pre.wire{font:11px/1.3 'DejaVu Sans Mono',monospace;background:#f6f8fa;color:#24292f;border:1px solid #d0d7de;
padding:4px 6px;margin:3px 0 0;text-align:left;white-space:pre;overflow-x:auto;max-width:1100px;max-height:420px}
"""

# The filter matches every word of the query (AND). A verdict word (pass,
# fail, unsup, unsupported) matches the verdicts of the row's cells (data-v)
# only, so "fail" is not fooled by a comment saying "fails"; any other word is
# a substring of the row's text or its data-k keywords (failure kinds, flags,
# layer, operation, result, "derived"). Groups holding a match open. A query
# in the URL (report.html#q=fail) is applied on load.
_JS = """
var VW={'pass':'pass','fail':'fail','unsup':'unsupported','unsupported':'unsupported'};
function flt(){var q=document.getElementById('flt').value.toLowerCase().split(/\\s+/).filter(Boolean);
document.querySelectorAll('tr.case').forEach(function(r){var t=(r.getAttribute('data-k')+' '+r.textContent).toLowerCase();
var v=' '+r.getAttribute('data-v')+' ';
r.style.display=q.every(function(w){return VW[w]?v.indexOf(' '+VW[w]+' ')>=0:t.indexOf(w)>=0;})?'':'none';});
if(q.length){document.querySelectorAll('details.grp').forEach(function(d){
d.open=Array.prototype.some.call(d.querySelectorAll('tr.case'),function(r){return r.style.display!=='none';});});}}
window.addEventListener('DOMContentLoaded',function(){var m=/[#&]q=([^&]*)/.exec(location.hash);
if(m){document.getElementById('flt').value=decodeURIComponent(m[1]);flt();}});
"""


def _cell_class(e):
    if e is None or e["total"] == 0:
        return "none"
    if e["fail"]:
        return "fail"
    if e["unsupported"] == e["total"]:
        return "unsup"
    if e["unsupported"]:
        return "part"
    return "pass"


def _agg_cell(e):
    if e is None or e["total"] == 0:
        return '<td class="c none">&mdash;</td>'
    txt = f"{e['pass']}/{e['total'] - e['unsupported']}"
    extra = []
    if e["fail"]:
        extra.append(f"{e['fail']} fail")
    if e["unsupported"]:
        extra.append(f"{e['unsupported']} unsup")
    title = f"pass {e['pass']}, fail {e['fail']}, unsupported {e['unsupported']}, total {e['total']}"
    more = f"<br><span class=small>{', '.join(extra)}</span>" if extra else ""
    return f'<td class="c {_cell_class(e)}" title="{title}">{txt}{more}</td>'


def _wire_details(c):
    """Live mode: the case's wire log, folded (autobahn-testsuite style), for every verdict."""
    if not c.get("wire"):
        return ""
    n = c.get("wire_frames", c["wire"].count("\n") + 1)
    return (f'<details class=wire><summary>wire log ({n} frames)</summary>'
            f'<pre class=wire>{html.escape(c["wire"])}</pre></details>')


def _case_cell(c):
    if c is None:
        return '<td class="c none" title="not in this report">&middot;</td>'
    cell = _case_cell_verdict(c)
    wire = _wire_details(c)
    return cell[:-len("</td>")] + wire + "</td>" if wire else cell


def _case_cell_verdict(c):
    v = c["verdict"]
    reason = html.escape(c.get("reason", ""), quote=True)
    if v == "pass":
        if c["result"] == "acceptable":
            prof = html.escape(c.get("profile_note", "") or c.get("judged_as", ""))
            return f'<td class="c prof" title="acceptable, judged under profile: {reason}">&#10003; {prof}</td>'
        return '<td class="c pass">&#10003;</td>'
    if v == "unsupported":
        return f'<td class="c unsup" title="{reason}">unsup</td>'
    ev = c.get("evidence", "") or ""
    if len(ev) > 6000:
        ev = ev[:6000] + "\n... (cut; the JSON report has the rest)"
    evb = f'<pre class=ev>{html.escape(ev)}</pre>' if ev else ""
    return (f'<td class="c fail" title="{reason}">&#10007; {html.escape(c.get("failure_kind", ""))}'
            f'<div class=why>{reason}</div>{evb}</td>')


def _row_keywords(c, cells):
    """data-k of a case row: what the filter box matches besides the text."""
    ks = {c.get("layer", ""), c.get("op", ""), c.get("result", "")} | set(c.get("flags", []))
    if "derived_from" in c:
        ks.add("derived")
    for x in cells:
        if x is None:
            continue
        v = x["verdict"]
        ks.add(v)
        ks.add({"unsupported": "unsup", "fail": "failing", "pass": "passing"}[v])
        if x.get("failure_kind"):
            ks.add(x["failure_kind"])
        if x.get("judged_as"):
            ks.add("judged_as=" + x["judged_as"])
    return " ".join(sorted(k for k in ks if k))


def render_matrix(reports, title="wampbox conformance matrix"):
    """HTML text of the cross-implementation matrix for a list of JSON reports."""
    impls = []
    for r in reports:
        im = r["implementation"]
        label = im["name"]
        if any(x[0] == label for x in impls):
            label = f"{label} ({len(impls)})"
        impls.append((label, r))
    esc = html.escape
    out = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
           f"<title>{esc(title)}</title><style>{_CSS}</style><script>{_JS}</script></head><body>",
           f"<h1>{esc(title)}</h1>"]
    suites = sorted({(r["suite"]["version"], r["suite"].get("manifest_sha256", "")) for r in reports})
    gen = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f'<div class=meta>generated {gen} &middot; suite '
               + ", ".join(f"{esc(v)} (manifest sha256 {esc(h[:16])}&hellip;)" for v, h in suites)
               + (" &middot; <b>WARNING: reports come from different corpus versions</b>" if len(suites) > 1 else "")
               + "</div>")
    out.append('<div class="legend small"><span class=pass>all pass</span><span class=fail>failures</span>'
               '<span class=part>some unsupported</span><span class=unsup>unsupported</span>'
               '<span class=prof>acceptable case, passed under the declared profile</span>'
               ' cells read passed/run (unsupported cases are counted apart, never dropped)</div>')

    # Implementations.
    out.append("<h2>Implementations</h2><table><tr><th>implementation</th><th>version</th><th>language</th>"
               "<th>profile</th><th>pass</th><th>fail</th><th>unsupported</th><th>total</th>"
               "<th>derived negatives<br><span class=small>pass / fail / unsup</span></th><th>verdict</th></tr>")
    for label, r in impls:
        im, s = r["implementation"], r["summary"]
        prof = ", ".join(f"{k}={v}" for k, v in sorted(im.get("profile", {}).items())) or "&mdash;"
        verdict = r.get("verdict", "fail" if s["fail"] else "pass")
        cls = {"conformant": "pass", "pass": "pass", "harness_error": "fail"}.get(verdict, "fail")
        out.append(f"<tr><td class=impl>{esc(label)}</td><td>{esc(im['version'])}</td>"
                   f"<td>{esc(im.get('language', ''))}</td><td>{esc(prof)}</td>"
                   f"<td class='c pass'>{s['pass']}</td><td class='c {'fail' if s['fail'] else 'none'}'>{s['fail']}</td>"
                   f"<td class='c {'unsup' if s['unsupported'] else 'none'}'>{s['unsupported']}</td>"
                   f"<td class=c>{s['total']}</td>{_derived_cell(r)}<td class='c {cls}'>{esc(verdict)}"
                   f"{_harness_note(r)}</td></tr>")
    out.append("</table>")

    head = "".join(f"<th class=c><span class=impl>{esc(label)}</span><br><span class=ver>{esc(r['implementation']['version'])}</span></th>"
                   for label, r in impls)

    def agg_table(caption, key, order=None, src="summary"):
        keys = set()
        for _, r in impls:
            keys.update((r.get(src) or {}).get(key, {}))
        keys = sorted(keys, key=order) if order else sorted(keys)
        rows = [f"<h2>{esc(caption)}</h2><table><tr><th>{esc(caption.split(' ')[-1])}</th>{head}</tr>"]
        for k in keys:
            cells = "".join(_agg_cell((r.get(src) or {}).get(key, {}).get(k)) for _, r in impls)
            rows.append(f"<tr><td>{esc(k)}</td>{cells}</tr>")
        rows.append("</table>")
        return "".join(rows)

    out.append(agg_table("By layer", "by_layer"))
    out.append(_profile_table(impls, head))
    out.append(agg_table("By layer / operation", "by_op"))
    out.append(agg_table("By expected result", "by_result"))
    out.append(agg_table("By flag", "by_flag"))

    out.append('<h2>Cases</h2><p class=small>Filter: <input id=flt oninput="flt()" '
               'placeholder="tcId, comment, flag, fail, pass, unsup, mismatch..."> (words must all match; '
               'pass, fail, unsup match the verdicts; other words the text and the keywords: failure kinds, flags, '
               'layer, operation, result, derived; a failing cell shows its reason and evidence)</p>')
    out.extend(_case_groups(impls, head, "cases", ""))
    if any(r.get("derived_cases") for _, r in impls):
        out.append("<h2>Derived negatives</h2><p class=small>every valid sealed vector re-run with its box, payload "
                   "or frame damaged (bit flips in nonce, tag and ciphertext, truncations, trailing bytes; "
                   "conformance/PROTOCOL.md 10.1); counted apart from the corpus.</p>")
        out.append(agg_table("Derived by layer / operation", "by_op", src="derived_summary"))
        out.extend(_case_groups(impls, head, "derived_cases", "derived: "))
    out.append("</body></html>")
    return "\n".join(out)


def _derived_cell(r):
    d = r.get("derived_summary")
    if not d or not d["total"]:
        off = not r.get("run", {}).get("derived", {}).get("enabled", False)
        return f'<td class="c none">{"off" if off else "&mdash;"}</td>'
    cls = "fail" if d["fail"] else ("pass" if d["pass"] else "unsup")
    return f'<td class="c {cls}">{d["pass"]} / {d["fail"]} / {d["unsupported"]}</td>'


def _harness_note(r):
    run = r.get("run", {})
    why = run.get("harness_error") or (f"interrupted by {run.get('interrupted_by')}, {run.get('not_run', 0)} case(s) "
                                       f"not run" if r.get("incomplete") else "")
    return f"<div class=why>{html.escape(why)}</div>" if why else ""


def _case_groups(impls, head, field, prefix):
    """Case rows of every report (field "cases" or "derived_cases"), grouped
    by layer/op in collapsed <details> (open when a cell fails)."""
    esc = html.escape
    index = []
    allkeys = {}
    for _, r in impls:
        m = {}
        for c in r.get(field, []):
            m[c["key"]] = c
            allkeys.setdefault(c["key"], c)
        index.append(m)
    groups = {}
    for k, c in allkeys.items():
        groups.setdefault(f"{prefix}{c['layer']} / {c['op']}", []).append(c)
    out = []
    for g in sorted(groups):
        cs = sorted(groups[g], key=lambda c: (c["file"], str(c["tcId"]) if "derived_from" in c else c["tcId"]))
        nfail = sum(1 for c in cs for m in index if m.get(c["key"], {}).get("verdict") == "fail")
        mark = f" &mdash; <span class=fail>&nbsp;{nfail} failing cell(s)&nbsp;</span>" if nfail else ""
        out.append(f"<details class=grp{' open' if nfail else ''}><summary>{esc(g)} ({len(cs)} cases){mark}</summary>")
        out.append(f"<table><tr><th>file</th><th>tcId</th><th>comment</th><th>flags</th><th>result</th>{head}</tr>")
        for c in cs:
            flags = "".join(f"<span class=flag>{esc(f)}</span>" for f in c.get("flags", []))
            got = [m.get(c["key"]) for m in index]
            cells = "".join(_case_cell(x) for x in got)
            verdicts = " ".join(sorted({x["verdict"] for x in got if x is not None}))
            out.append(f'<tr class=case data-v="{verdicts}" data-k="{esc(_row_keywords(c, got))}">'
                       f'<td class=small>{esc(c["file_stem"])}</td>'
                       f"<td class=c>{esc(str(c['tcId']))}</td><td>{esc(c.get('comment', ''))}</td><td>{flags}</td>"
                       f"<td>{esc(c['result'])}</td>{cells}</tr>")
        out.append("</table></details>")
    return out


# Flags whose `acceptable` cases are judged by a declared profile value
# (kept in step with ops.PROFILE_RULES; PlaintextReceive is a live-mode profile, live.py).
PROFILE_FLAGS = (("LowOrderPublicKey", "low_order_keys"), ("PlaintextFallback", "plaintext_fallback"),
                 ("LaxBase64", "base64"), ("PlaintextReceive", "plaintext_receive"))


def _profile_table(impls, head):
    """Acceptable cases governed by a profile: how each implementation
    declared itself and how it fared under that declaration."""
    esc = html.escape
    rows = [f"<h2>Profile-dependent cases</h2><p class=small>acceptable vectors whose expected outcome follows "
            f"the profile the implementation declares (e.g. libsodium rejects low-order public keys, tweetnacl "
            f"computes them): a pass here is a pass under that profile.</p><table><tr><th>flag (profile key)</th>"
            f"{head}</tr>"]
    for flag, key in PROFILE_FLAGS:
        cells = []
        for _, r in impls:
            cs = [c for c in r["cases"] if c["result"] == "acceptable" and flag in c.get("flags", [])]
            e = {"total": len(cs), "pass": sum(c["verdict"] == "pass" for c in cs),
                 "fail": sum(c["verdict"] == "fail" for c in cs),
                 "unsupported": sum(c["verdict"] == "unsupported" for c in cs)}
            val = r["implementation"].get("profile", {}).get(key, "undeclared")
            cell = _agg_cell(e)
            if e["total"]:
                cell = cell.replace('">', f'"><b>{esc(val)}</b><br>', 1)
            cells.append(cell)
        rows.append(f"<tr><td>{esc(flag)} <span class=small>({esc(key)})</span></td>{''.join(cells)}</tr>")
    rows.append("</table>")
    return "".join(rows)


def write_matrix(reports, path, title="wampbox conformance matrix"):
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_matrix(reports, title))
