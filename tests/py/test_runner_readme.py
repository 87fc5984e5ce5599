"""The worked example of conformance/adapters/README.md is a working adapter:
extracted from the README as written and run against the corpus."""

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")


def test_readme_example_adapter_is_conformant_on_crypto_box(tmp_path):
    text = open(os.path.join(T.CONFORMANCE, "adapters", "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    script = tmp_path / "my_adapter.py"
    script.write_text(blocks[0])
    out = tmp_path / "out"
    p = T.run_cli(["--cmd", f"/usr/bin/python3 {script}", "--out", str(out), "--progress", "none"])
    assert p.returncode == 0, p.stdout + p.stderr
    import json
    rep = json.loads((out / "report.json").read_text())
    s = rep["summary"]
    assert s["fail"] == 0
    assert s["by_layer"]["crypto_box"]["pass"] == s["by_layer"]["crypto_box"]["total"] > 300
    assert s["unsupported"] == s["total"] - s["by_layer"]["crypto_box"]["total"]
    assert (out / "junit.xml").exists() and (out / "report.html").exists()
