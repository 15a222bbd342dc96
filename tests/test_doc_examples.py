"""Every shell example in README.md and docs/ runs as a user who pastes it would run it.

The shell blocks (```sh, ```bash, ```shell; ```console: its ``$ `` lines) of each document run in order
in one temporary directory, each in ``bash -e -o pipefail`` (a curl that cannot connect fails the block)
with the installed ``sms-simulator`` first on PATH.  One thing is changed: the port.  Other servers may
hold 8090 on this machine, so every ``8090`` in a block becomes a free port, and
``SMS_SIMULATOR_PORT`` makes a bare ``sms-simulator serve`` listen there.  A document whose blocks start
no server talks to one the test starts (the docs presume one at 127.0.0.1:8090).  Each documented answer
(a ``# {"code":"0",…}`` comment after a command) must show up in the output, in order: its first field
(the vendor's status) exactly.

A block that cannot run here (docker, pip install, a server in the foreground, minutes of load) is marked
in the document with ``<!-- not run: why -->`` on the line before it; those are listed as skipped, with
the reason.  An unmarked block that fails fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ui.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^```(\S*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->$")
ANSWER = re.compile(r'^# (\{"\w+":(?:"[^"]*"|-?\d+))')  # a documented answer's first field
BLOCK_TIMEOUT = 20  # seconds; a server start on a busy machine is the slowest step


@dataclass
class Block:
    doc: Path
    line: int  # of the opening fence
    lang: str
    text: str
    skip: str | None  # the reason given by a <!-- not run: … --> marker

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"

    def script(self) -> str:
        if self.lang != "console":
            return self.text
        return "\n".join(line[2:] for line in self.text.splitlines() if line.startswith("$ "))


def fenced(doc: Path) -> list[Block]:
    """Every fenced block of a document, with the reason of a not-run marker before it."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = NOT_RUN.match(before)
        text = "\n".join(lines[i + 1 : end]) + "\n"
        out.append(Block(doc, i + 1, m.group(1), text, marker.group(1) if marker else None))
        i = end + 1
    return out


EVERY = [b for doc in DOCS for b in fenced(doc)]
ALL = [b for b in EVERY if b.lang in SHELL]  # the shell blocks
RUN_DOCS = sorted({b.doc for b in ALL if b.skip is None})


def test_markers_and_languages():
    """A not-run marker belongs before a shell block; a block of commands without a language would
    escape this test: tag it ```sh."""
    for b in EVERY:
        assert b.lang in SHELL or b.skip is None, f"{b.where}: a not-run marker on a non-shell block"
        looks_like_commands = re.match(r"\s*(\$ |curl |sms-simulator |python |pip )", b.text)
        assert b.lang or not looks_like_commands, f"{b.where}: a shell block without ```sh"


def test_there_are_examples_to_run():
    assert len([b for b in ALL if b.skip is None]) >= 7
    assert all(b.skip for b in ALL if "docker" in b.text), "docker cannot run in this test: mark it"


@pytest.mark.parametrize("block", [b for b in ALL if b.skip], ids=lambda b: b.where)
def test_marked_blocks_are_listed_with_their_reason(block):
    pytest.skip(f"{block.where}: not run: {block.skip}")


def _environment(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_SIMULATOR_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SMS_SIMULATOR_PORT"] = str(port)
    return env


def _kill(groups: list[int]) -> None:
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _wait_for_health(port: int, env: dict[str, str], proc: subprocess.Popen) -> None:
    probe = f"for i in $(seq 150); do curl -sf http://127.0.0.1:{port}/_sim/health >/dev/null && exit 0; "
    probe += "sleep 0.1; done; exit 1"
    if subprocess.run(["bash", "-c", probe], env=env, timeout=30).returncode != 0:
        proc.kill()
        raise AssertionError(f"the simulator did not start: {proc.communicate()[1]}")


def documented_answers(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := ANSWER.match(line.strip()))]


TOOLS = ("bash", "curl", "jq", "md5sum")  # what the examples use besides sms-simulator


def test_the_tools_the_examples_use_are_installed():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    assert not missing, f"the docs' examples need {', '.join(missing)} (.ci/run installs them)"


@pytest.mark.parametrize("doc", RUN_DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_shell_examples_run_as_documented(doc, tmp_path):
    port = free_port()
    env = _environment(port)
    groups: list[int] = []
    mine = [b for b in ALL if b.doc == doc]
    try:
        if not any("sms-simulator serve" in b.text for b in mine if b.skip is None):
            server = subprocess.Popen(
                [sys.executable, "-m", "simulator", "serve"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            groups.append(server.pid)
            _wait_for_health(port, env, server)
        for block in mine:
            if block.skip is not None:
                continue
            script = block.script().replace("8090", str(port))
            # output to files, not pipes: a server the block starts with & keeps a pipe open forever
            out_file, err_file = tmp_path / f".out{block.line}", tmp_path / f".err{block.line}"
            with out_file.open("w") as stdout, err_file.open("w") as stderr:
                proc = subprocess.Popen(
                    ["bash", "-e", "-o", "pipefail", "-c", script],
                    cwd=tmp_path,
                    env=env,
                    stdout=stdout,
                    stderr=stderr,
                    start_new_session=True,  # its own process group: a server it starts with & ends below
                )
            groups.append(proc.pid)
            try:
                proc.wait(timeout=BLOCK_TIMEOUT)
            except subprocess.TimeoutExpired:
                _kill([proc.pid])
                proc.wait()
            out, err = out_file.read_text(), err_file.read_text()
            assert proc.returncode is not None and proc.returncode >= 0, (
                f"{block.where}: still running after {BLOCK_TIMEOUT} s\n{out}\n{err}"
            )
            assert proc.returncode == 0, f"{block.where}: exit {proc.returncode}\n{out}\n{err}"
            assert "Traceback" not in err, f"{block.where}:\n{err}"
            rest = out
            for answer in documented_answers(block.text):
                at = rest.find(answer)
                assert at >= 0, f"{block.where}: the docs say {answer}…, the output was:\n{out}\n{err}"
                rest = rest[at + len(answer) :]
    finally:
        _kill(groups)


@pytest.mark.parametrize("block", [b for b in EVERY if b.lang == "yaml"], ids=lambda b: b.where)
def test_yaml_examples_are_valid(block):
    """Every ```yaml block parses (a CI workflow that does not is refused by the CI); a scenario passes
    the scenario checks and a config the config checks, as ``sms-simulator check`` would say."""
    import yaml

    from simulator.config import Config
    from simulator.core.scenarios import parse_scenario
    from simulator.core.yamlfile import parse_yaml

    data = yaml.safe_load(block.text)
    if isinstance(data, dict) and {"rules", "defaults", "reviews", "latency"} & set(data):
        parse_scenario(block.text, block.where)
    elif isinstance(data, dict) and {"accounts", "vendors", "port", "clock", "store"} & set(data):
        parse_yaml(block.text, Config, block.where)
