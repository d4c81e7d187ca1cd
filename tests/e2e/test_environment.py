"""environment.yml (for conda users) cannot drift from pyproject.toml, and the lock file pins
every direct dependency at the same version."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    return {canon(n): v for n, v in (d.split("==") for d in deps)}


def test_environment_yml_names_the_same_dependencies_with_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {canon(n): v for n, v in (d.split("=") for d in env["dependencies"]
                                      if isinstance(d, str) and "=" in d)}
    conda.pop("python")
    assert conda == pyproject_pins()


def test_lock_file_agrees_with_pyproject():
    lock = {canon(n): v for n, v in (line.split("==") for line in
                                     (ROOT / "requirements.lock").read_text().splitlines()
                                     if "==" in line)}
    for name, version in pyproject_pins().items():
        assert lock.get(name) == version, name
