"""The dependency floors that CI tests (.ci/floors.txt) are the lower bounds pyproject.toml declares."""

from __future__ import annotations

import re
import sys

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# typer's own dependency at the typer floor (later typers carry their own click): pinned for the floors job.
NOT_DECLARED = {"click"}


def _floors() -> dict[str, str]:
    pins = {}
    for line in (ROOT / ".ci" / "floors.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {}
    # The dask extra's floors are tested too: the test extra installs it (the dask engine's tests).
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dask"]]:
        if ";" in requirement:  # a backport for old Pythons (tomli): not a floor of the tested environment
            continue
        found = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        assert found, f"{requirement}: every dependency needs a floor (>=)"
        bounds[found.group(1).lower()] = found.group(2)
    return bounds


def _same_version(a: str, b: str) -> bool:
    def parts(version: str) -> list[int]:
        numbers = [int(part) for part in version.split(".")]
        while numbers and numbers[-1] == 0:
            numbers.pop()
        return numbers

    return parts(a) == parts(b)


def test_floors_file_pins_each_declared_floor() -> None:
    """Each dependency's >= bound is what .ci/floors.txt pins, and the file pins nothing else undeclared."""
    floors, bounds = _floors(), _lower_bounds()
    assert set(floors) - NOT_DECLARED == set(bounds)
    for name, bound in bounds.items():
        assert _same_version(floors[name], bound), (
            f"{name}: pyproject says >={bound}, floors.txt {floors[name]}"
        )
