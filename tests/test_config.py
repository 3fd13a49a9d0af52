"""Configuration files: where they are found, what they may say, and how the command line wins over them."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import lbdedup.config
from lbdedup.config import ConfigError, Settings, apply, find_config, load_config, parse_settings
from lbdedup.model import BoilerplateMode, Options


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_file_upwards_wins(tmp_path: Path) -> None:
    """The nearest file from the working folder upwards applies; folders without one are passed through."""
    outer = _write(tmp_path / ".lbdedup.toml", 'boilerplate = "off"\n')
    inner = _write(tmp_path / "a" / "pyproject.toml", '[tool.lbdedup]\nboilerplate = "strict"\n')
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b" / "c") == inner
    assert find_config(tmp_path) == outer


def test_dot_file_beats_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    """In one folder, .lbdedup.toml comes before pyproject.toml."""
    dot = _write(tmp_path / ".lbdedup.toml", 'boilerplate = "off"\n')
    _write(tmp_path / "pyproject.toml", '[tool.lbdedup]\nboilerplate = "strict"\n')
    assert find_config(tmp_path) == dot


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    """A pyproject.toml without [tool.lbdedup] (even a broken one) does not stop the search upwards."""
    outer = _write(tmp_path / ".lbdedup.toml", 'boilerplate = "strict"\n')
    _write(tmp_path / "proj" / "pyproject.toml", '[project]\nname = "x\n')
    assert find_config(tmp_path / "proj") == outer
    assert load_config(outer).boilerplate is BoilerplateMode.STRICT


def test_files_below_or_beside_are_not_found(tmp_path: Path) -> None:
    """Only the folder and its parents count: a file in a sibling or a child folder is not used."""
    _write(tmp_path / "sibling" / ".lbdedup.toml", 'boilerplate = "off"\n')
    _write(tmp_path / "here" / "child" / ".lbdedup.toml", 'boilerplate = "off"\n')
    found = find_config(tmp_path / "here")
    assert found is None or tmp_path not in found.parents


def test_settings_read_from_both_kinds_of_file(tmp_path: Path) -> None:
    """Both files give the same settings; a single string is one pattern; '_' spells '-' too."""
    dot = _write(tmp_path / "d" / ".lbdedup.toml", 'boilerplate = "strict"\nkeep-pattern = "^Key events$"\n')
    pyproject = _write(
        tmp_path / "p" / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.lbdedup]\nboilerplate = "strict"\nkeep_pattern = ["^Key events$"]\n',
    )
    for path in (dot, pyproject):
        settings = load_config(path)
        assert settings.boilerplate is BoilerplateMode.STRICT
        assert settings.keep_patterns == ("^Key events$",)
        assert settings.drop_patterns is None
        assert settings.path == path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('boilerplate = "loud"\n', "boilerplate must be one of off, auto, strict (got 'loud')"),
        ("boilerplate = \n", "invalid TOML"),
        ('drop-pattern = ["^Ad$", "("]\n', "drop-pattern: bad regular expression '('"),
        ('keep-pattern = [""]\n', "keep-pattern: an empty regular expression"),
        ("drop-pattern = 3\n", "drop-pattern must be a regular expression or a list of them"),
        ('mode = "strict"\n', "unknown setting 'mode'"),
    ],
)
def test_bad_files_name_themselves(tmp_path: Path, text: str, reason: str) -> None:
    """A bad file raises one message that starts with the file's path and says what is wrong."""
    path = _write(tmp_path / ".lbdedup.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_tool_table(tmp_path: Path) -> None:
    """[tool.lbdedup] that is not a table is refused."""
    path = _write(tmp_path / "pyproject.toml", '[tool]\nlbdedup = "strict"\n')
    with pytest.raises(ConfigError, match="must be a table"):
        load_config(path)


@pytest.mark.parametrize(
    ("file", "given", "expected"),
    [
        (Settings(), None, BoilerplateMode.AUTO),
        (Settings(boilerplate=BoilerplateMode.STRICT), None, BoilerplateMode.STRICT),
        (Settings(boilerplate=BoilerplateMode.STRICT), BoilerplateMode.OFF, BoilerplateMode.OFF),
        (Settings(), BoilerplateMode.STRICT, BoilerplateMode.STRICT),
    ],
)
def test_mode_precedence(file: Settings, given: BoilerplateMode | None, expected: BoilerplateMode) -> None:
    """Default, then the file, then the command line."""
    assert apply(Options(), file, boilerplate=given).boilerplate is expected


def test_pattern_precedence() -> None:
    """Patterns given on the command line replace the file's list of the same name, not the other list."""
    file = Settings(keep_patterns=("^Key",), drop_patterns=("^Ad$",))
    merged = apply(Options(), file, drop_patterns=["^Powered"])
    assert merged.drop_patterns == ("^Powered",)
    assert merged.keep_patterns == ("^Key",)
    assert apply(Options(), file).drop_patterns == ("^Ad$",)


def test_bad_command_line_pattern() -> None:
    """A bad pattern on the command line names its option."""
    with pytest.raises(ConfigError, match=r"^--keep-pattern: bad regular expression"):
        apply(Options(), Settings(), keep_patterns=["(unclosed"])


def test_parse_settings_examples() -> None:
    """The examples in the module's docstrings hold."""
    assert parse_settings({}).boilerplate is None
    assert doctest.testmod(lbdedup.config).failed == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('boilerplate = ["auto"]', "boilerplate must be one of off, auto, strict (got an array)"),
        ("boilerplate = {mode = 1}", "(got a table)"),
        ("boilerplate = 2.5", "(got a number)"),
        ("boilerplate = true", "(got a boolean)"),
        ("boilerplate = 07:32:00", "(got a date or time)"),
        (f'boilerplate = "{"x" * 100}"', "(got '" + "x" * 40 + "'...)"),
        (
            'keep-pattern = ["ok", ["nested"]]',
            "keep-pattern must be a regular expression or a list of them (got an array in the list)",
        ),
        ("x = " + "[" * 5000 + "]" * 5000, "invalid TOML: arrays or tables nested too deeply"),
        ("x = " + "9" * 5000, "invalid TOML: Exceeds the limit (4300 digits) for integer string conversion"),
    ],
    ids=[
        "array",
        "table",
        "float",
        "boolean",
        "time",
        "long-string",
        "array-in-list",
        "deep",
        "long-integer",
    ],
)
def test_values_of_the_wrong_kind_name_the_file(tmp_path: Path, text: str, reason: str) -> None:
    """A value of the wrong type, however nested or long, is a ConfigError naming the file, never a crash."""
    path = _write(tmp_path / ".lbdedup.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert reason in str(caught.value)
    assert len(str(caught.value)) < 300


def test_pyproject_not_ours_is_passed_over_whatever_its_bytes(tmp_path: Path) -> None:
    """Invalid UTF-8 in an unrelated pyproject.toml is not read as ours; in ours, it is refused by name."""
    outer = _write(tmp_path / ".lbdedup.toml", 'boilerplate = "strict"\n')
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    assert find_config(tmp_path / "proj") == outer
    ours = tmp_path / "ours" / "pyproject.toml"
    ours.parent.mkdir()
    ours.write_bytes(b'[tool.lbdedup]\nboilerplate = "off"\n# caf\xe9\n')
    assert find_config(ours.parent) == ours
    with pytest.raises(ConfigError, match="not valid UTF-8 \\(byte 0xe9 at offset 40\\)"):
        load_config(ours)
