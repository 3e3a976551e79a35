"""The habits of a maintained project, kept true: mypy is clean, the CI workflow runs what `.ci/run` and
CONTRIBUTING.md say, and every pre-commit hook is a tool the `dev` extra installs and leaves the content alone."""

import copy
import functools
import importlib.metadata
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPOSITORY
from test_style import PATHS as RUFF_PATHS

PYPROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOW = REPOSITORY / ".github" / "workflows" / "ci.yml"
PRE_COMMIT = REPOSITORY / ".pre-commit-config.yaml"
CONTRIBUTING = REPOSITORY / "CONTRIBUTING.md"
NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]-*.ipynb")) + [REPOSITORY / "src/reader/app.ipynb"]
# The essay as received: no hook may ever rewrite these (data/*/ in general is checked, never fixed).
ESSAY_FILES = ["data/khrushchevs-purges/source.txt", "data/khrushchevs-purges/paragraphs.csv"]
READ_ONLY_HOOKS = {"reader-check", "check-yaml", "check-toml", "check-merge-conflict", "check-added-large-files"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", name, maxsplit=1)[0]).lower()


def workflow_jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def run_lines(job: dict) -> list[str]:
    """Every shell line the job runs, in order."""
    return [line.strip() for step in job["steps"] if "run" in step for line in step["run"].splitlines() if line.strip()]


def contributing_commands() -> set[str]:
    """Every line of CONTRIBUTING.md's code blocks, comment stripped."""
    lines = set()
    for block in re.findall(r"```(?:bash)?\n(.*?)```", CONTRIBUTING.read_text(encoding="utf-8"), flags=re.S):
        lines.update(line.split(" #")[0].strip() for line in block.splitlines() if line.strip())
    return lines


def hooks() -> list[dict]:
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    return [dict(hook, repo=repo["repo"]) for repo in config["repos"] for hook in repo["hooks"]]


# --- the type checker --------------------------------------------------------------------------------------------


def test_mypy_checks_the_package_at_the_oldest_supported_python():
    settings = PYPROJECT["tool"]["mypy"]
    assert settings["files"] == ["src/reader"]
    assert PYPROJECT["project"]["requires-python"] == f">={settings['python_version']}"


def test_mypy_reports_no_error(tmp_path):
    """A real check, not a formality: it fails on any mypy error in src/reader (settings in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checked = int(re.search(r"no issues found in (\d+) source files", result.stdout).group(1))
    assert checked == len(list((REPOSITORY / "src" / "reader").rglob("*.py"))), "mypy checked the whole package"


# --- the CI workflow, .ci/run and CONTRIBUTING.md in step -----------------------------------------------------------


def test_the_linux_job_runs_ci_run_as_root():
    ci_run = REPOSITORY / ".ci" / "run"
    commands = [line.strip() for line in ci_run.read_text(encoding="utf-8").splitlines() if line[:1] not in ("", "#")]
    assert "./run-tests" in commands, "the README's test command"
    linux = [job for job in workflow_jobs().values() if "ubuntu" in str(job["runs-on"])]
    assert len(linux) == 1
    assert "bash .ci/run" in run_lines(linux[0])
    # scripts/ensure-browser.sh installs Chromium with apt-get only as root: a root container (or sudo) is needed.
    assert "container" in linux[0] or any(line.startswith("sudo ") for line in run_lines(linux[0]))


def test_windows_and_macos_run_the_documented_fast_tests_mypy_and_ruff():
    others = [job for job in workflow_jobs().values() if "ubuntu" not in str(job["runs-on"])]
    systems = {system.split("-")[0] for job in others for system in job.get("strategy", {}).get("matrix", {})["os"]}
    assert systems == {"windows", "macos"}
    for job in others:
        lines = run_lines(job)
        documented = contributing_commands()
        undocumented = [line for line in lines if line not in documented]
        assert not undocumented, f"commands in ci.yml that CONTRIBUTING.md does not show: {undocumented}"
        fast = [line for line in lines if " pytest " in line]
        assert fast == ['python -m pytest -m "not browser and not slow" tests']
        assert "python -m mypy" in lines
        for command in ("check", "format --check"):
            assert f"python -m ruff {command} {' '.join(RUFF_PATHS)}" in lines, "the paths tests/test_style.py checks"


def test_the_fast_selection_uses_declared_markers():
    declared = {marker.split(":")[0] for marker in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]}
    expression = re.search(r'-m "([^"]+)"', WORKFLOW.read_text(encoding="utf-8")).group(1)
    used = set(re.findall(r"\w+", expression)) - {"not", "and", "or"}
    assert used == {"browser", "slow"} and used <= declared


# --- pre-commit ----------------------------------------------------------------------------------------------------


def executable(name: str) -> str | None:
    return shutil.which(name, path=sysconfig.get_path("scripts")) or shutil.which(name)


@functools.cache
def providers() -> dict[str, set[str]]:
    """For each executable in a scripts folder, the installed distributions that put it there."""
    found: dict[str, set[str]] = {}
    for distribution in importlib.metadata.distributions():
        for file in distribution.files or []:
            path = Path(str(file))
            if path.parent.name in ("bin", "Scripts"):
                found.setdefault(path.stem, set()).add(canonical(distribution.metadata["Name"]))
    return found


def test_every_hook_is_local_and_runs_a_tool_of_the_dev_extra():
    allowed = {canonical(requirement) for requirement in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    allowed.add(canonical(PYPROJECT["project"]["name"]))
    assert "pre-commit" in allowed
    for hook in hooks():
        assert hook["repo"] == "local", f"{hook['id']}: pre-commit would download it"
        assert hook["language"] == "system", f"{hook['id']}: runs the tool installed in .venv"
        name = shlex.split(hook["entry"])[0]
        assert executable(name), f"{hook['id']}: '{name}' is not installed"
        provided_by = providers().get(name, set())
        assert provided_by & allowed, f"{hook['id']}: '{name}' comes from {provided_by}, not from the dev extra"


def touches(hook: dict, path: str) -> bool:
    """Whether pre-commit would pass this file to the hook (types as `identify` tags .txt and .csv files)."""
    tags = {"text", "file", "plain-text" if path.endswith(".txt") else "csv"}
    if not re.search(hook.get("files", ""), path) or re.search(hook.get("exclude", "^$"), path):
        return False
    return set(hook.get("types", [])) <= tags and (not hook.get("types_or") or bool(set(hook["types_or"]) & tags))


@pytest.mark.parametrize("path", ESSAY_FILES)
def test_no_hook_that_can_change_a_file_touches_the_essay(path):
    assert (REPOSITORY / path).is_file()
    changers = [hook["id"] for hook in hooks() if hook["id"] not in READ_ONLY_HOOKS and touches(hook, path)]
    assert changers == []
    assert "reader-check" in [hook["id"] for hook in hooks() if touches(hook, path)], "data/ is still checked"


def lab_saved(notebook: dict) -> dict:
    """The notebook as JupyterLab or VS Code would save it after a run: volatile metadata added everywhere."""
    saved = copy.deepcopy(notebook)
    saved["metadata"]["language_info"].update(
        codemirror_mode={"name": "ipython", "version": 3},
        file_extension=".py",
        mimetype="text/x-python",
        nbconvert_exporter="python",
        pygments_lexer="ipython3",
        version="3.11",
    )
    saved["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    saved["metadata"]["vscode"] = {"interpreter": {"hash": "volatile"}}
    for cell in saved["cells"]:
        cell["metadata"].update(
            execution={"iopub.status.busy": "volatile"},
            ExecuteTime={"end_time": "volatile"},
            collapsed=False,
            scrolled=True,
            jupyter={"source_hidden": False},
        )
    return saved


def current_format(notebook: dict) -> dict:
    """The same notebook saved as nbformat 4.5, with the random cell ids JupyterLab gives."""
    saved = copy.deepcopy(notebook)
    saved["nbformat_minor"] = 5
    for number, cell in enumerate(saved["cells"]):
        cell["id"] = f"random-{number * 7919 % 1000:03d}"
    return saved


@pytest.fixture(scope="module")
def stripped_by_the_hook(tmp_path_factory) -> dict[str, str]:
    """Every notebook, saved after a run in an editor (in nbformat 4.4 and 4.5), then stripped by the nbstripout
    hook with its arguments from .pre-commit-config.yaml, all in one call."""
    [hook] = [hook for hook in hooks() if hook["id"] == "nbstripout"]
    folder = tmp_path_factory.mktemp("saved-notebooks")
    paths = {}
    for path in NOTEBOOKS:
        notebook = lab_saved(json.loads(path.read_text(encoding="utf-8")))
        for name, saved in ((path.name, notebook), (f"{path.stem}-4.5.ipynb", current_format(notebook))):
            paths[name] = folder / name
            paths[name].write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    arguments = shlex.split(hook["entry"])[1:]
    result = subprocess.run(
        [sys.executable, "-m", "nbstripout", *arguments, *map(str, paths.values())],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {name: path.read_text(encoding="utf-8") for name, path in paths.items()}


def load_execute_script():
    specification = importlib.util.spec_from_file_location(
        "execute_notebooks", REPOSITORY / "scripts" / "execute-notebooks.py"
    )
    module = importlib.util.module_from_spec(specification)
    specification.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_notebook_hook_and_the_execute_script_store_the_same_notebook(path, stripped_by_the_hook):
    """After a run in JupyterLab, the hook gives back the stored notebook byte for byte (outputs and counts kept),
    and so does scripts/execute-notebooks.py's normalisation: the two cannot drift apart."""
    import nbformat

    stored = path.read_text(encoding="utf-8")
    assert stripped_by_the_hook[path.name] == stored
    notebook = nbformat.reads(json.dumps(lab_saved(json.loads(stored))), as_version=4)
    load_execute_script().normalise(notebook)
    assert nbformat.writes(notebook) + "\n" == stored


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_notebook_saved_in_the_current_format_keeps_only_stable_metadata(path, stripped_by_the_hook):
    """JupyterLab may save nbformat 4.5 with random cell ids: the hook makes the ids sequential and leaves the
    same metadata and outputs as the stored notebook (the rules of tests/test_notebooks.py)."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    stripped = json.loads(stripped_by_the_hook[f"{path.stem}-4.5.ipynb"])
    assert stripped["metadata"] == stored["metadata"]
    assert [cell["metadata"] for cell in stripped["cells"]] == [cell["metadata"] for cell in stored["cells"]]
    assert [cell["id"] for cell in stripped["cells"]] == [str(number) for number in range(len(stored["cells"]))]
    assert [cell.get("outputs") for cell in stripped["cells"]] == [cell.get("outputs") for cell in stored["cells"]]
    counts = [cell.get("execution_count") for cell in stripped["cells"]]
    assert counts == [cell.get("execution_count") for cell in stored["cells"]]
