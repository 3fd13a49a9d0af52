"""Settings from a configuration file: ``.lbdedup.toml`` or ``[tool.lbdedup]`` in ``pyproject.toml``.

The nearest such file from the working directory upwards is used (in one folder ``.lbdedup.toml`` comes
first; a ``pyproject.toml`` without a ``[tool.lbdedup]`` table is passed over). Options given on the command
line win over the file. Pure apart from reading the file; a bad file raises :class:`ConfigError` naming it.

    # .lbdedup.toml (or the same keys under [tool.lbdedup] in pyproject.toml)
    boilerplate = "strict"              # off | auto | strict
    keep-pattern = ["^Key events$"]     # regular expressions; a string is one pattern
    drop-pattern = ["^Powered by "]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lbdedup.boilerplate import BoilerplateError, compile_patterns
from lbdedup.model import BoilerplateMode, Options

__all__ = ["CONFIG_NAME", "ConfigError", "Settings", "apply", "find_config", "load_config", "parse_settings"]

CONFIG_NAME = ".lbdedup.toml"
PYPROJECT_NAME = "pyproject.toml"
# A pyproject.toml is only parsed when it may hold our table, so a broken unrelated one never stops a run.
_OUR_TABLE = re.compile(r"tool\s*\.\s*lbdedup\b|\[\s*tool\s*\][^\[]*\blbdedup\s*[.=]")
_MODES = ", ".join(mode.value for mode in BoilerplateMode)


class ConfigError(ValueError):
    """A configuration file (or option) that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings read from a file; None where the file says nothing, so other sources can fill them in.

    >>> Settings().boilerplate is None
    True
    """

    boilerplate: BoilerplateMode | None = None
    keep_patterns: tuple[str, ...] | None = None
    drop_patterns: tuple[str, ...] | None = None
    path: Path | None = None


def find_config(start: Path) -> Path | None:
    """The configuration file that applies in folder ``start``: the nearest from there upwards, or None."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT_NAME
        if pyproject.is_file() and _OUR_TABLE.search(_sniff(pyproject)):
            return pyproject
    return None


def _sniff(pyproject: Path) -> str:
    """Enough of a pyproject.toml's text to tell whether it has our table: "" when it cannot be read.

    It belongs to another tool unless it names ours, so its bytes are not judged here: a file that is ours
    and broken is refused by :func:`load_config`, with the reason.
    """
    try:
        return pyproject.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or 'cannot be read'}") from None
    try:
        # TOML has no byte order mark, but editors on Windows write one: it is not a statement.
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:  # TOML is UTF-8
        bad = data[error.start : error.start + 1].hex()
        raise ConfigError(f"{path}: not valid UTF-8 (byte 0x{bad} at offset {error.start})") from None


def load_config(path: Path) -> Settings:
    """Read and check the settings of one file (``.lbdedup.toml`` or a ``pyproject.toml``)."""
    # Imported here, not at start-up: most runs find no settings file.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    text = _read(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except ValueError as error:  # an integer too long for Python to convert
        raise ConfigError(f"{path}: invalid TOML: {str(error).split(';')[0]}") from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    table: Any = document
    if path.name == PYPROJECT_NAME:
        table = document.get("tool", {}).get("lbdedup", {}) if isinstance(document.get("tool"), dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.lbdedup] must be a table")
    try:
        return replace(parse_settings(table), path=path)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def parse_settings(table: Mapping[str, Any]) -> Settings:
    """Check a table of settings (keys as on the command line, ``-`` or ``_`` alike).

    >>> parse_settings({"boilerplate": "strict", "drop-pattern": "^Powered by"}).drop_patterns
    ('^Powered by',)
    >>> parse_settings({"boilerplate": "loud"})
    Traceback (most recent call last):
    ...
    lbdedup.config.ConfigError: boilerplate must be one of off, auto, strict (got 'loud')
    """
    known = {"boilerplate", "keep-pattern", "drop-pattern"}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        if name not in known:
            raise ConfigError(f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
        values[name] = value
    mode = values.get("boilerplate")
    if mode is not None and (not isinstance(mode, str) or mode not in {m.value for m in BoilerplateMode}):
        raise ConfigError(f"boilerplate must be one of {_MODES} (got {_shown(mode)})")
    return Settings(
        boilerplate=BoilerplateMode(mode) if mode is not None else None,
        keep_patterns=_patterns("keep-pattern", values.get("keep-pattern")),
        drop_patterns=_patterns("drop-pattern", values.get("drop-pattern")),
    )


def _shown(value: Any) -> str:
    """A setting's value as the message about it shows it: a short string, else what kind of value it is.

    >>> _shown("loud"), _shown(["auto"]), _shown({"a": 1}), _shown(3), _shown("x" * 99)[-7:]
    ("'loud'", 'an array', 'a table', 'a number', "xxx'...")
    """
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a date or time"


def _patterns(name: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ConfigError(f"{name} must be a regular expression or a list of them (got {_shown(value)})")
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(
                f"{name} must be a regular expression or a list of them (got {_shown(item)} in the list)"
            )
    try:
        compile_patterns(tuple(items))
    except BoilerplateError as error:
        raise ConfigError(f"{name}: {error}") from None
    return tuple(items)


def apply(
    options: Options,
    settings: Settings,
    boilerplate: BoilerplateMode | None = None,
    keep_patterns: Sequence[str] | None = None,
    drop_patterns: Sequence[str] | None = None,
) -> Options:
    """``options`` with the file's settings, overridden by whatever the command line gave (not None).

    A pattern option given on the command line replaces the file's list of the same name.

    >>> file = Settings(boilerplate=BoilerplateMode.STRICT, drop_patterns=("^Ad$",))
    >>> merged = apply(Options(), file, boilerplate=BoilerplateMode.OFF)
    >>> merged.boilerplate.value, merged.drop_patterns
    ('off', ('^Ad$',))
    """
    for name, given in (("keep-pattern", keep_patterns), ("drop-pattern", drop_patterns)):
        if given is not None:
            try:
                compile_patterns(tuple(given))
            except BoilerplateError as error:
                raise ConfigError(f"--{name}: {error}") from None

    def pick(given: Any, from_file: Any, default: Any) -> Any:
        if given is not None:
            return given
        return from_file if from_file is not None else default

    return replace(
        options,
        boilerplate=pick(boilerplate, settings.boilerplate, options.boilerplate),
        keep_patterns=tuple(pick(keep_patterns, settings.keep_patterns, options.keep_patterns)),
        drop_patterns=tuple(pick(drop_patterns, settings.drop_patterns, options.drop_patterns)),
    )
