"""Every command in README.md works as written on a fresh clone, and none writes into tracked folders.

The clone is made once for this file: this checkout cloned into a temporary folder, borrowing the checkout's
`.venv` (nothing is installed; ``PYTHONPATH`` points at the clone's ``src`` so the clone's code and shipped files
are the ones used). Each shell command and Python block of the README is then one test, run in the clone as the
README says (the environment activated), in the README's order: exit code 0, and ``git status --porcelain`` of the
clone still clean (all output is git-ignored). Commands that start servers (``make lab``, ``make app``) or run this
suite (``make test``) are checked with ``make -n``. A command that renders a whole report set (``make report``,
``msevidence report --set NAME``) is run in the clone with ``--only`` its first run, so no test waits for a whole
set; every run of every shipped set is rendered by the same command, one run each, for the page tests
(tests/conftest.py), and the test here checks that ``make report`` runs exactly ``msevidence report --set default``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIPPED

from msevidence import reports

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENV = ROOT / ".venv"
SERVERS = ("make lab", "make app")  # start a server that runs until stopped
DRY_RUN = (*SERVERS, "make test")  # `make test` would run this test again, inside itself
PLACEHOLDER = re.compile(r"\[|\.\.\.|…|\b(ID|N|DIR|NAME|ARM|WEEKS|EVENTS|VISITS|PATH)\b|\|")


def _blocks(text: str, *langs: str) -> list[str]:
    pattern = rf"^```(?:{'|'.join(langs)})\n(.*?)^```"
    return re.findall(pattern, text, flags=re.M | re.S)


def shell_commands(text: str) -> list[str]:
    """The commands of the README's shell code blocks, comments stripped, in order."""
    out = []
    for block in _blocks(text, "bash", "sh", "shell", "console"):
        block = re.sub(r"\\\n\s*", " ", block)  # a command continued over lines with a backslash
        for line in block.splitlines():
            cmd = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if cmd:
                out.append(cmd)
    return out


def inline_commands(text: str) -> list[str]:
    """Complete commands quoted inline in the prose (`make app`, `msevidence report --set teaching`);
    synopses with placeholders (`msevidence fit EVENTS [--json]`) are left to the CLI tests."""
    found = re.findall(r"`((?:make|msevidence|\.venv/bin/\w+|papermill|voila|jupyter) [^`]*)`", text)
    # `make X` is a command; `msevidence fit` alone is the name of one (it needs arguments), not a command line.
    runnable = [c.strip() for c in found if not PLACEHOLDER.search(c)
                and (c.startswith("make ") or len(c.split()) >= 3)]
    return list(dict.fromkeys(runnable))


def python_blocks(text: str) -> list[str]:
    return _blocks(text, "python")


TEXT = README.read_text(encoding="utf-8")


def test_readme_parsing_finds_the_documented_commands():
    cmds = shell_commands(TEXT)
    assert "make report" in cmds and "make test" in cmds
    assert any(c.startswith("msevidence validate") for c in cmds)
    assert any("papermill" in c for c in cmds)
    assert {"make lab", "make app"} <= set(inline_commands(TEXT))
    assert all("#" not in c for c in cmds)
    assert not any(c.startswith("-") or c.endswith("\\") for c in cmds), "continued lines must be joined"
    assert python_blocks(TEXT) and "load_evidence" in python_blocks(TEXT)[0]


def test_papermill_example_uses_the_environment_and_writes_outside_the_repository():
    (cmd,) = [c for c in shell_commands(TEXT) if "papermill" in c]
    assert cmd.startswith(".venv/bin/papermill ")
    output = cmd.split()[2]
    assert output.startswith(("/", "reports/output/")), f"papermill writes {output} into the repository"


def _dry_run(target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=60).stdout


def test_lab_allows_root_only_when_run_as_root():
    line = next(x for x in _dry_run("lab").splitlines() if "jupyter lab" in x)
    assert ("--allow-root" in line) == (os.getuid() == 0), line
    assert "--notebook-dir=notebooks" in line


def test_app_serves_the_teaching_notebook_without_a_root_flag():
    line = next(x for x in _dry_run("app").splitlines() if "voila" in x and "pip" not in x)
    assert "notebooks/teaching.ipynb" in line and "--port=8866" in line
    assert "--allow-root" not in line  # Voila runs as root as it is, and exits on an unknown flag


@pytest.mark.slow
def test_voila_serves_the_teaching_app_on_localhost(tmp_path):
    """What `make app` runs, started briefly on a free port (Voila is a dev dependency too)."""
    import socket
    import time
    import urllib.request

    voila = VENV / "bin" / "voila"
    assert voila.is_file(), "Voila is not installed: run make install (the dev extra holds it)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [str(voila), "--no-browser", f"--port={port}", "notebooks/teaching.ipynb"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)})
    try:
        body, deadline = b"", time.monotonic() + 180  # one overall deadline: the page streams as cells run
        while time.monotonic() < deadline and proc.poll() is None and b"make app" not in body:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=10) as r:
                    while time.monotonic() < deadline and b"make app" not in body:
                        chunk = r.read1(65536)
                        if not chunk:
                            break
                        body += chunk
            except (OSError, TimeoutError):
                time.sleep(1)
        assert proc.poll() is None, f"voila exited with {proc.returncode}"
        text = body.decode("utf-8", "replace")
        assert "Try it yourself" in text and "make app" in text, text[-500:]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_teaching_page_points_to_make_app():
    page = (ROOT / "notebooks_py" / "teaching.py").read_text(encoding="utf-8")
    assert "make app" in page
    assert "voila notebooks/" not in page


# -- the README run on a fresh clone ----------------------------------------------------------------------------
def _env(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSEVIDENCE_", "PYTEST_", "COV_"))}
    env |= {"PATH": f"{clone / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(VENV),
            "PYTHONPATH": str(clone / "src"), "MPLBACKEND": "Agg"}
    return env


def _run(cmd: str, clone: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", cmd], cwd=clone, env=_env(clone), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if not (VENV / "bin" / "python").is_file() or not (VENV / ".installed").is_file():
        pytest.skip("the checkout has no installed .venv (run make install)")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    dest = tmp_path_factory.mktemp("readme") / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, timeout=300)
    (dest / ".venv").symlink_to(VENV, target_is_directory=True)  # borrowed: a symlink, so ignore it locally
    with (dest / ".git" / "info" / "exclude").open("a") as f:
        f.write("/.venv\n")
    # The clone's pyproject.toml is newer than the borrowed install stamp: make would reinstall into the checkout.
    stamp = (VENV / ".installed").stat().st_mtime
    os.utime(dest / "pyproject.toml", (stamp - 60, stamp - 60))
    where = _run("python -c 'import msevidence, sys; sys.stdout.write(msevidence.__file__)'", dest, 120)
    assert where.returncode == 0 and where.stdout.startswith(str(dest)), where.stdout + where.stderr
    return dest


COMMANDS = list(dict.fromkeys([*shell_commands(TEXT), *inline_commands(TEXT)]))
WHOLE_SET = re.compile(r"^(make report|msevidence report --set ([\w-]+))$")


def as_run(cmd: str) -> str:
    """The command line the test runs for a README command (see the module docstring)."""
    if cmd.startswith(DRY_RUN):
        return cmd.replace("make ", "make -n ", 1)
    whole = WHOLE_SET.match(cmd)
    if whole:
        name = whole.group(2) or "default"
        first = reports.load_report_set(ROOT / "reports" / f"{name}.yaml").runs[0].name
        return f"msevidence report --set {name} --only {first}"
    return cmd


def test_make_report_renders_exactly_the_default_set():
    lines = [x for x in _dry_run("report").splitlines() if "msevidence report" in x]
    assert len(lines) == 1 and lines[0].split("msevidence ", 1)[1].split() == ["report", "--set", "default"], lines
    assert as_run("make report").startswith("msevidence report --set default --only ")
    assert {s.set for s in SHIPPED} >= {"default", "teaching"}  # every run of them is rendered for the page tests


def _clean(clone: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("cmd", COMMANDS)
def test_readme_command_works_on_a_fresh_clone(cmd, clone):
    r = _run(as_run(cmd), clone, timeout=300)
    assert r.returncode == 0, f"$ {as_run(cmd)}\n  exit {r.returncode}\n  {(r.stdout + r.stderr)[-1500:]}"
    status = _clean(clone)
    assert status == "", f"$ {cmd} wrote into the repository's tracked folders:\n{status}"
    if WHOLE_SET.match(cmd):
        assert (clone / "reports" / "output" / "index.html").is_file()  # the default output folder
    if "papermill" in cmd:  # plain papermill: the -p values reach the notebook, typed (seed is an int)
        words = cmd.split()
        given = {words[i + 1]: words[i + 2] for i, w in enumerate(words) if w == "-p"}
        rec = reports.recorded(clone / words[2])
        assert {k: str(rec["parameters"][k]) for k in given} == given and isinstance(rec["parameters"]["seed"], int)
        assert rec["label"].endswith(f"(seed {given['seed']})")


@pytest.mark.parametrize("i", range(len(python_blocks(TEXT))))
def test_readme_python_block_runs_on_a_fresh_clone(i, clone):
    script = clone.parent / f"readme_block_{i}.py"
    script.write_text(python_blocks(TEXT)[i], encoding="utf-8")
    r = _run(f"python {script}", clone, timeout=300)
    assert r.returncode == 0, f"README python block {i}\n  {r.stderr[-1500:]}"
    assert _clean(clone) == ""


if __name__ == "__main__":  # print what the README test would run
    sys.stdout.write("\n".join([*shell_commands(TEXT), *inline_commands(TEXT)]) + "\n")
