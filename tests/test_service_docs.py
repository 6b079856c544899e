"""docs/service.md's walk-through, run as written (its ```bash blocks, in order) in a fresh
folder: ingest the samples, run two days, read the diff, mark outcomes, see the cap and the
diff react (a dismissed gift lifts the hold it put on the asks), ask for decisions over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from service_server import free_port

BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def test_the_walk_through_works(tmp_path):
    blocks = BLOCK.findall((ROOT / "docs" / "service.md").read_text(encoding="utf-8"))
    port = str(free_port())
    script = "\n".join(blocks).replace("localhost:8000", f"127.0.0.1:{port}").replace(
        "serve --store sqlite:///crm.db", f"serve --store sqlite:///crm.db --port {port}")
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    prelude = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    # `uv run X` is X from this environment (the fresh folder is not the project's)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "uv").write_text('#!/bin/sh\n[ "$1" = run ] && shift\nexec "$@"\n')
    (shim / "uv").chmod(0o755)
    path = os.pathsep.join((str(shim), str(Path(sys.executable).parent), os.environ["PATH"]))
    env = {**os.environ, "PATH": path}
    env.pop("LOYALTY_RULES_TOKEN", None)
    result = subprocess.run(["bash", "-c", prelude + script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "customers: 66 added" in out
    assert "customers: 0 added, 0 updated, 66 unchanged; events: 0 added" in out
    assert re.search(r"^run 2 \(2026-11-23\): 66 customers", out, re.M)
    assert re.search(r"^run 1 \(2026-11-22\) → run 2 \(2026-11-23\): \d+ new", out, re.M)
    before, after = out.split('"status":"dismissed"')[0], out.split('"status":"dismissed"')[1]
    for ask in ("upsell", "invite_loyalty_programme"):
        assert re.search(rf"^held back: {ask} - give before you ask: no ask on the day of "
                         r"surprise$", before, re.M)
        assert re.search(rf"^open {ask} rec-", after, re.M)
        assert not re.search(rf"^held back: {ask}", after.split("run 3")[0], re.M)
    assert re.search(r"^dismissed surprise rec-", after, re.M)
    assert '"event":{"type":"contact","at":"2026-11-23","direction":"outbound",' \
           '"action":"wake_dormant","channel":"phone"' in out
    assert re.search(r"^run 3 2026-11-24", out, re.M)
    assert re.search(r"^new C034 upsell outcome$", out, re.M)
    assert re.search(r"^new C034 invite_loyalty_programme outcome$", out, re.M)
    assert re.search(r"^changed C034 surprise outcome$", out, re.M)
    assert re.search(r"^gone C045 wake_dormant events$", out, re.M)
    assert (tmp_path / "crm.db").exists()
