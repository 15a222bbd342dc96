"""The pytest plugin as users get it: docs/pytest-plugin.md's examples run verbatim by ``python -m pytest``
in a temporary project that has only the installed package (its ``pytest11`` entry point), no conftest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "pytest-plugin.md"


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def doc_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_doc_examples_run_in_a_separate_project(tmp_path: Path):
    blocks = doc_examples()
    assert len(blocks) == 5  # one per vendor
    for i, block in enumerate(blocks):
        (tmp_path / f"test_example_{i}.py").write_text(block, encoding="utf-8")
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


def test_fixtures_isolation_receiver_override_and_errors(tmp_path: Path):
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef sms_simulator_scenario():\n    return 'instant'\n",
        encoding="utf-8",
    )
    (tmp_path / "test_more.py").write_text(
        """
import json
import urllib.request
from urllib.parse import urlencode

import pytest

from simulator.pytest_plugin import SimulatorError, load_named_or_text


def send_kx(sim, mobile):
    form = {**sim.kx_sign().params, "mobile": mobile, "msgcontent": "【测试】验证码1234"}
    with urllib.request.urlopen(f"{sim.url}/api/sms/send", urlencode(form).encode()) as resp:
        return json.load(resp)


def test_first(sms_simulator):
    assert send_kx(sms_simulator, "13912345678")["code"] == "0"
    assert sms_simulator.messages()[0]["status"] == "delivered"  # instant, from the conftest fixture


def test_second_starts_empty_with_the_same_ids(sms_simulator):
    assert sms_simulator.messages() == []
    assert sms_simulator.request("GET", "/_sim/scenario")["scenario"]["name"] == "instant"


@pytest.mark.sms_simulator(scenario="default", config={"record_requests": 0})
def test_marker_wins(sms_simulator):
    assert sms_simulator.request("GET", "/_sim/scenario")["scenario"]["name"] == "default"
    assert sms_simulator.sim.store.max_requests == 0


def test_paging_reset_and_errors(sms_simulator):
    for part in range(2):
        mobiles = ",".join(f"139123{part}{i:04d}" for i in range(600))
        assert send_kx(sms_simulator, mobiles)["code"] == "0"
    assert len(sms_simulator.messages()) == 1200  # two pages
    sms_simulator.reset()
    assert sms_simulator.messages() == []
    with pytest.raises(SimulatorError, match="HTTP 404"):
        sms_simulator.request("GET", "/_sim/messages/nope")
    with pytest.raises(SimulatorError, match="give vendor="):
        sms_simulator.reply("13900000000", "hi")
    with pytest.raises(Exception, match="default, flaky, instant, load-test, slow"):
        load_named_or_text("nosuch")
    with pytest.raises(AssertionError, match="wait_for"):
        sms_simulator.wait_for(lambda: [], timeout=0.05)


@pytest.mark.sms_simulator(scenario="default")
def test_receiver_retry_and_acks(sms_simulator, sms_callback_receiver):
    sms_callback_receiver.override = (500, b"busy")
    sms_simulator.push_to(sms_callback_receiver, "kx")
    assert send_kx(sms_simulator, "13800000000")["code"] == "0"
    sms_simulator.advance(1)
    sms_callback_receiver.wait(1)
    assert sms_simulator.callbacks()[0]["ok"] is False
    sms_callback_receiver.override = None
    sms_simulator.advance(600)
    assert sms_simulator.callbacks(failed="false")[-1]["response_body"] == "SUCCESS"
    assert sms_callback_receiver.answer("/emay/report") == (200, b"success")
    assert sms_callback_receiver.answer("/smsgw/report") == (200, b"OK")
    assert sms_callback_receiver.answer("/huawei/report")[0] == 200
""".lstrip(),
        encoding="utf-8",
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
