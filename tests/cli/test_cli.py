"""The command line: serve (real process), check, sign."""

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]


def simulator_process(*args: str, **kw) -> subprocess.Popen:
    """``python -m simulator <args>`` with its output piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def run_server(*args: str, cwd: Path = ROOT) -> tuple[subprocess.Popen, int]:
    proc = simulator_process("serve", "--port", "0", *args, cwd=cwd)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise AssertionError(f"no listening line: {line!r} {proc.stderr.read()}")
    return proc, int(m.group(1))


def get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read())


def test_serve_picks_a_free_port_and_answers():
    proc, port = run_server("--scenario", "scenarios/flaky.yaml", "--seed", "7")
    try:
        health = get(port, "/_sim/health")
        assert health["status"] == "ok" and health["scenario"] == "flaky"
        accounts = get(port, "/_sim/accounts")["accounts"]
        assert len(accounts) == 5
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_serve_with_a_bad_config_exits_with_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("port: lots\n")
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert out.returncode == 2
    assert f"{bad}:1: port:" in out.stderr


def test_check_valid_files(capsys, tmp_path):
    cfg = tmp_path / "my.yaml"
    cfg.write_text(
        "port: 9000\naccounts:\n  - {vendor: kx, id: '200', secret: k, mode: push,"
        " report_url: 'http://127.0.0.1:1/r'}\n"
    )
    assert (
        main(["check", str(cfg), str(ROOT / "scenarios/default.yaml"), str(ROOT / "scenarios/flaky.yaml")])
        == 0
    )
    out = capsys.readouterr().out
    assert f"{cfg}: OK (config, 6 accounts)" in out
    assert "OK (scenario 'default', 9 rules, 3 reviews)" in out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "accounts:\n  - {vendor: nokia, id: '1', secret: s}\n",
            ":2: accounts.0.vendor: unknown vendor 'nokia'",
        ),
        ("accounts:\n  - vendor: kx\n    id: '1'\n", ":2: accounts.0.secret: Field required"),
        (
            "accounts:\n  - {vendor: kx, id: '1', secret: s, options: {colour: red}}\n",
            ":2: accounts.0.options: colour: Extra inputs are not permitted",
        ),
        ("vendors:\n  kx: {batch_interval: -1}\n", ":1: vendors: kx.batch_interval: Input should be greater"),
        ("port: 99999\n", ":1: port: Input should be less than or equal to 65535"),
        ("accounts: [\n", "not valid YAML"),
    ],
)
def test_check_reports_file_line_field(tmp_path, capsys, text, problem):
    f = tmp_path / "c.yaml"
    f.write_text(text)
    assert main(["check", str(f), "--kind", "config"]) == 1
    err = capsys.readouterr().err
    assert problem in err, err
    assert str(f) in err


def test_check_bad_scenario(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nrules:\n  - match: {mobile: '1'}\n    outcome: lost\n")
    assert main(["check", str(f)]) == 1
    assert f"{f}:4: rules.0.outcome: unknown outcome 'lost'" in capsys.readouterr().err


BAD_SCENARIO = """name: typos
rules:
  - match: {vendor: kxx}
    delay: -3
  - code: {kxx: F1}
    outcomes: {deliverd: 1}
  - delay: {min: 5}
  - delay: {min: 5, max: 2}
"""


def test_check_refuses_names_a_rule_would_never_match_in_a_real_process(tmp_path):
    """The command as a user runs it: one ``file:line: field: problem`` line per problem, exit 1."""
    f = tmp_path / "typos.yaml"
    f.write_text(BAD_SCENARIO)
    good = ROOT / "simulator" / "scenarios"
    run = subprocess.run(
        [sys.executable, "-m", "simulator", "check", str(f), *sorted(map(str, good.glob("*.yaml")))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    known = "(known: kx, huawei, smsgw, mobset, emay)"
    assert run.stderr.splitlines() == [
        f"{f}:3: rules.0.match.vendor.0: unknown vendor 'kxx'; did you mean kx? {known}",
        f"{f}:4: rules.0.delay: Input should be greater than or equal to 0, not -3",
        f"{f}:5: rules.1.code.kxx: unknown vendor 'kxx'; did you mean kx? {known}",
        f"{f}:6: rules.1.outcomes.deliverd: unknown outcome 'deliverd'; did you mean delivered? "
        "(known: delivered, undeliverable, expired, rejected, blacklisted, no_report)",
        f"{f}:7: rules.2.delay.max: Field required",
        f"{f}:8: rules.3.delay: max must not be below min",
    ]
    # every shipped scenario still passes, in the same run
    ok = run.stdout.splitlines()
    assert len(ok) == len(list(good.glob("*.yaml"))) >= 4
    assert all(": OK (scenario " in line for line in ok), ok


def test_serve_refuses_a_scenario_check_refuses(tmp_path):
    f = tmp_path / "typos.yaml"
    f.write_text(BAD_SCENARIO)
    conf = tmp_path / "sim.yaml"
    conf.write_text("scenario: typos.yaml\n")
    for args in (["--scenario", str(f)], ["--config", str(conf)]):
        run = subprocess.run(
            [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, run.stdout
        assert "Traceback" not in run.stderr
        assert f"{f}:3: rules.0.match.vendor.0: unknown vendor 'kxx'; did you mean kx?" in run.stderr
        assert len(run.stderr.splitlines()) == 6, run.stderr


def test_check_missing_file(capsys):
    assert main(["check", "/nonexistent/x.yaml"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_sign_kx(capsys):
    assert main(["sign", "kx", "--ts", "1476235100217"]) == 0
    import hashlib

    sign = hashlib.md5(b"1000011476235100217kxdemoapikey0001").hexdigest()
    assert capsys.readouterr().out.strip() == f"userid=100001&ts=1476235100217&sign={sign}"


async def _signed(capsys, vendor, *extra):
    assert main(["sign", vendor, *extra]) == 0
    return capsys.readouterr().out.strip()


async def test_sign_output_authenticates_for_every_vendor(sim_client, capsys):
    c = sim_client
    out = await _signed(capsys, "kx")
    assert (await (await c.get(f"/api/sms/balance?{out}")).json())["code"] == "0"

    out = await _signed(capsys, "mobset")
    body = await (await c.get(f"/SDK3/Sms?Methods=SmsGetBalance&{out}")).json()
    assert body["Code"] > 0, body

    out = await _signed(capsys, "smsgw")
    assert (await (await c.get(f"/sms?{out}")).json())["status"] in (0, "0")

    out = await _signed(capsys, "emay")
    assert (await (await c.get(f"/simpleinter/getBalance?{out}")).json())["code"] == "SUCCESS"

    out = await _signed(capsys, "huawei")
    headers = dict(line.removeprefix("-H '").removesuffix("'").split(": ", 1) for line in out.splitlines())
    form = {
        "from": "csms12345679",
        "to": "13800000000",
        "templateId": "tplnotify0001",
        "templateParas": '["A区","1234"]',
    }
    resp = await c.post("/sms/batchSendSms/v1", data=form, headers=headers)
    assert (await resp.json())["code"] == "000000"


def test_sign_unknown_account_needs_credentials(capsys):
    assert main(["sign", "kx", "--id", "nobody"]) == 2
    assert "give --id and --secret" in capsys.readouterr().err
    assert main(["sign", "kx", "--id", "nobody", "--secret", "s", "--ts", "1"]) == 0


def test_serve_https_and_extra_ports_with_a_self_signed_certificate():
    import ssl

    proc = simulator_process("serve", "--port", "0", "--extra-port", "0", "--https-port", "0", cwd=ROOT)
    try:
        first = proc.stdout.readline()
        extra = proc.stdout.readline()
        https = proc.stdout.readline()
        assert first.startswith("sms-simulator listening on http://127.0.0.1:"), first
        extra_port = int(re.search(r"http://127\.0\.0\.1:(\d+)", extra).group(1))
        m = re.search(r"https://127\.0\.0\.1:(\d+) \(certificate: (\S+)\)", https)
        assert m, https
        assert get(extra_port, "/_sim/health")["status"] == "ok"
        ctx = ssl.create_default_context(cafile=m.group(2))  # verification on: the printed cert is trusted
        with urllib.request.urlopen(
            f"https://127.0.0.1:{m.group(1)}/_sim/health", context=ctx, timeout=5
        ) as r:
            assert json.loads(r.read())["status"] == "ok"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_version():
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "--version"], capture_output=True, text=True, timeout=20
    )
    assert out.returncode == 0 and out.stdout.strip() == "sms-simulator 0.1.0"


def test_serve_options_from_the_environment(tmp_path):
    import os

    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("record_requests: 7\n")
    env = {
        **os.environ,
        "SMS_SIMULATOR_HOST": "127.0.0.1",
        "SMS_SIMULATOR_PORT": "0",
        "SMS_SIMULATOR_CONFIG": str(cfg),
        "SMS_SIMULATOR_SCENARIO": str(ROOT / "scenarios/slow.yaml"),
        "SMS_SIMULATOR_SEED": "7",
        "SMS_SIMULATOR_DB": str(tmp_path / "sim.db"),
    }
    proc = simulator_process("serve", "--seed", "3", env=env)  # the command line wins
    try:
        line = proc.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", line).group(1))
        assert "ids from --seed 3" in line and f"in {tmp_path / 'sim.db'}" in line, line
        assert get(port, "/_sim/health")["scenario"] == "slow"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert (tmp_path / "sim.db").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "simulator", "serve"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**env, "SMS_SIMULATOR_PORT": "http"},
    )
    assert bad.returncode == 2 and bad.stderr.strip() == "SMS_SIMULATOR_PORT='http': not a whole number"
    missing = subprocess.run(
        [sys.executable, "-m", "simulator", "serve"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**env, "SMS_SIMULATOR_CONFIG": str(tmp_path / "none.yaml")},
    )
    assert missing.returncode == 2 and "none.yaml" in missing.stderr


def test_scenario_by_name_and_beside_the_config(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "mine.yaml").write_text("name: mine\ndefaults: {outcome: delivered, delay: 0}\n")
    (conf / "sim.yaml").write_text("scenario: mine.yaml\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, name in ((["--scenario", "flaky"], "flaky"), (["--config", str(conf / "sim.yaml")], "mine")):
        proc, port = run_server(*args, cwd=elsewhere)
        try:
            assert get(port, "/_sim/health")["scenario"] == name
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--scenario", "flakey"],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=elsewhere,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "flakey: no such scenario file, nor a packaged scenario (default, flaky, instant, load-test, slow)"
    )
    check = subprocess.run(
        [sys.executable, "-m", "simulator", "check", str(conf / "sim.yaml")],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=elsewhere,
    )
    assert check.returncode == 0, check.stderr


def test_resolve_scenario(tmp_path, monkeypatch):
    from simulator.config import FileError, resolve_scenario

    assert resolve_scenario("slow").name == "slow.yaml" and resolve_scenario("load-test.yaml").is_file()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flaky").write_text("name: local\n")  # a file of that name wins over the packaged one
    assert resolve_scenario("flaky").read_text() == "name: local\n"
    with pytest.raises(FileError):
        resolve_scenario("sub/flaky")


def test_sign_curl_commands_send_for_every_vendor(tmp_path):
    proc, port = run_server(cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        for vendor, mobile in [
            ("kx", "13800000000"),
            ("huawei", "13800000001"),
            ("smsgw", "13800000002"),
            ("mobset", "13800000003"),
            ("emay", "13800000004"),
        ]:
            signed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "simulator",
                    "sign",
                    vendor,
                    "--curl",
                    "--url",
                    url,
                    "--mobile",
                    mobile,
                ],
                capture_output=True,
                text=True,
                timeout=20,
            )
            assert signed.returncode == 0 and signed.stdout.startswith("curl "), signed.stderr
            sent = subprocess.run(["bash", "-c", signed.stdout], capture_output=True, text=True, timeout=20)
            assert sent.returncode == 0, sent.stderr
            messages = get(port, f"/_sim/messages?vendor={vendor}")["messages"]
            assert [m["mobile"] for m in messages] == [mobile], (vendor, sent.stdout)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    "args, error",
    [
        (["kx", "--param", "foo"], "sign: --param takes KEY=VALUE, got 'foo'"),
        (["kx", "--curl", "--ts", "1"], "sign: --curl signs a whole send itself; leave out --param and --ts"),
        (
            ["huawei", "--id", "x", "--secret", "y", "--curl"],
            "sign: this account has no approved template with a channel to send with",
        ),
    ],
)
def test_sign_bad_arguments_are_one_line(args, error):
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "sign", *args], capture_output=True, text=True, timeout=20
    )
    assert out.returncode == 2 and out.stderr.strip() == error
