"""``sms-simulator export``: the run from a running server (--url) or from its --db file (no server)."""

import json
import subprocess
import sys
import urllib.parse
import urllib.request

from tests.cli.test_cli import ROOT, run_server
from tests.vendors.kx.helpers import auth


def export(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "export", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def kx_send(port: int, mobile: str, text: str) -> dict:
    body = urllib.parse.urlencode({**auth(), "mobile": mobile, "msgcontent": text}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sms/send", body, timeout=5) as r:
        return json.loads(r.read())


def advance(port: int, seconds: float) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sim/clock/advance",
        json.dumps({"seconds": seconds}).encode(),
        {"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).read()


def test_export_from_a_running_server_and_from_its_db_file(tmp_path):
    db = tmp_path / "sim.db"
    proc, port = run_server("--db", str(db), "--seed", "3")
    try:
        assert kx_send(port, "13911112222", "hello 验证码")["code"] == "0"
        advance(port, 10)
        live = export("--url", f"http://127.0.0.1:{port}", "-o", str(tmp_path / "live"), cwd=ROOT)
        assert live.returncode == 0, live.stderr
        assert "1 message" in live.stdout
        # the file while the server still runs on it: read from a copy, never written
        before = db.stat().st_mtime_ns
        offline = export("--db", str(db), "-o", str(tmp_path / "file"), "--format", "json", cwd=ROOT)
        assert offline.returncode == 0, offline.stderr
        assert db.stat().st_mtime_ns == before
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    doc = json.loads((tmp_path / "live.json").read_text())
    [msg] = doc["messages"]
    assert (msg["mobile"], msg["status"], msg["content"]) == ("13911112222", "delivered", "hello 验证码")
    assert [r["path"] for r in doc["requests"]] == ["/api/sms/send"]
    page = (tmp_path / "live.html").read_text()
    embedded = page.split('<script type="application/json" id="run">')[1].split("</script>")[0]
    assert json.loads(embedded)["messages"] == doc["messages"]
    assert not (tmp_path / "file.html").exists()
    stored = json.loads((tmp_path / "file.json").read_text())
    assert stored["messages"] == doc["messages"]
    # (the server's own headers, Date and Content-Length, are journaled after the answer's commit)
    strip = [{k: v for k, v in r.items() if k != "response_headers"} for r in doc["requests"]]
    assert [{k: v for k, v in r.items() if k != "response_headers"} for r in stored["requests"]] == strip
    # after the server stopped: the same run, from the file alone
    again = export("--db", str(db), "-o", str(tmp_path / "after"), cwd=ROOT)
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "after.json").read_text())["messages"] == doc["messages"]


def test_export_problems_are_one_line_and_exit_2(tmp_path):
    neither = export(cwd=tmp_path)
    assert neither.returncode == 2 and "give --url" in neither.stderr
    missing = export("--db", str(tmp_path / "nope.db"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    bad = export("--db", str(junk), cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and str(junk) in bad.stderr
    assert junk.read_bytes() == b"not sqlite at all" * 100
    down = export("--url", "http://127.0.0.1:9", cwd=tmp_path)
    assert down.returncode == 2 and "cannot reach" in down.stderr and "Traceback" not in down.stderr
    assert list(tmp_path.glob("sms-simulator-run.*")) == []


def test_export_from_a_server_with_an_admin_token(tmp_path):
    proc, port = run_server("--admin-token", "s3cret-token")
    try:
        url = f"http://127.0.0.1:{port}"
        refused = export("--url", url, "-o", str(tmp_path / "no"), cwd=tmp_path)
        assert refused.returncode == 2 and "HTTP 401" in refused.stderr
        ok = export("--url", url, "--admin-token", "s3cret-token", "-o", str(tmp_path / "yes"), cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert json.loads((tmp_path / "yes.json").read_text())["format"] == "sms-simulator-run/1"
    assert not (tmp_path / "no.json").exists()
