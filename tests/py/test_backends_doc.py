"""docs/backends.md's corpus tables are generated: the block between the
`corpus: begin/end` markers must be what scripts/bench/backends.py renders from
the committed run (docs/backends_corpus.json, written by
`scripts/backends.sh --corpus-only`), and that run must list each backend's
failures by tcId with their kind. Rerun the script and copy corpus.md and
corpus_reports.json over when the corpus or a backend changes."""

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "bench"))

import backends  # noqa: E402


def test_corpus_block_matches_the_committed_run():
    run = json.loads((REPO / "docs" / "backends_corpus.json").read_text())
    doc = (REPO / "docs" / "backends.md").read_text()
    m = re.search(r"<!-- corpus: begin \(generated\) -->\n(.*?)<!-- corpus: end -->", doc, re.S)
    assert m, "docs/backends.md lacks the generated corpus block"
    want = "\n".join(backends.corpus_markdown(run["reports"]))
    assert m.group(1).startswith(want), "the corpus block differs from scripts/bench/backends.py's rendering"


def test_failures_are_reported_with_tcids_and_kinds():
    run = json.loads((REPO / "docs" / "backends_corpus.json").read_text())
    for name, r in run["reports"].items():
        listed = sorted(f["tcId"] for f in r["wrong_results"] + r["other_failures"])
        assert listed == sorted(r["failed_tcIds"]), name
        assert r["passed"] == (not listed), name
        for f in r["wrong_results"]:
            assert f["kind"].startswith("wrong output on "), f
