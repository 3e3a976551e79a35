"""Set-up: environment.yml names every runtime dependency; the wheel carries the content."""

import os
import re
import subprocess
import sys
import tomllib
import zipfile

import pytest
import yaml

from conftest import REPOSITORY


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_parses_and_names_every_runtime_dependency():
    environment = yaml.safe_load((REPOSITORY / "environment.yml").read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    dependencies = environment["dependencies"]
    conda_names = {_name(item) for item in dependencies if isinstance(item, str)}
    python_pins = [item for item in dependencies if isinstance(item, str) and item.startswith("python=")]
    assert python_pins and re.fullmatch(r"python=3\.\d+", python_pins[0]), "an exact python pin"
    assert "pip" in conda_names
    pip_section = next(item["pip"] for item in dependencies if isinstance(item, dict))
    assert "-e ." in pip_section
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    missing = {_name(requirement) for requirement in project["dependencies"]} - conda_names
    assert not missing, f"environment.yml lacks {missing}"
    assert "jupyterlab" in conda_names


@pytest.mark.slow
def test_wheel_installs_and_checks_its_own_content(tmp_path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheel_dir), str(REPOSITORY)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheel_dir.glob("soviet_reader-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "reader/_data/editions.yaml" in names
    assert "reader/_data/khrushchevs-purges/paragraphs.csv" in names
    # Install the wheel alone into a folder that comes first on the path, so that it shadows the editable install.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    environment = {**os.environ, "PYTHONPATH": str(target)}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    located = subprocess.run(
        [sys.executable, "-c", "import reader.paths as p; print(p.data_root())"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    assert located.stdout.strip() == str(target / "reader" / "_data")
    checked = subprocess.run(
        [sys.executable, "-m", "reader", "check"],
        cwd=outside,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert checked.returncode == 0, checked.stderr
    assert "paragraphs            11" in checked.stdout
