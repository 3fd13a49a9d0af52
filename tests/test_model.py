"""The result types stay frozen, comparable and replaceable with their quick constructors."""

from __future__ import annotations

import dataclasses

import pytest

from lbdedup.model import Block, BlockKind, BlockRef, BlockResult, ClusterMember, MatchKind, PostRef, Status

BLOCK = Block(0, "a.txt", 2, 5, 6, BlockKind.PARAGRAPH, "The river rose.")


@pytest.mark.parametrize(
    "value",
    [
        BLOCK,
        BlockRef("a.txt", 2, 5, 6),
        BlockResult(BLOCK, Status.DUPLICATE, 3, BlockRef("b.txt", 0, 1, 1), MatchKind.NEAR, 0.97),
        ClusterMember(BlockRef("a.txt", 2, 5, 6), None, None),
        PostRef("a.txt", 0, 1),
    ],
)
def test_quick_init_keeps_frozen_dataclass_behaviour(value: object) -> None:
    """Assignment raises, equal fields compare and hash equal, replace builds a changed copy."""
    name = dataclasses.fields(value)[0].name  # type: ignore[arg-type]  # every value is a dataclass
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, name, None)
    twin = dataclasses.replace(value)  # type: ignore[type-var]  # as above
    assert twin == value
    assert hash(twin) == hash(value)
    assert twin is not value


def test_quick_init_fills_defaults_and_keywords() -> None:
    """Fields left out take their defaults; keywords land in the right field."""
    result = BlockResult(block=BLOCK, status=Status.BOILERPLATE, reason="footer")
    assert (result.cluster, result.duplicate_of, result.match, result.similarity) == (None, None, None, None)
    assert result.reason == "footer"
    assert Block(0, "a.txt", 0, 1, 1, BlockKind.TITLE, "Flood live", post=2).post == 2
    assert BLOCK.time is None


def test_quick_init_rejects_missing_arguments() -> None:
    """A required field left out is a TypeError, as with the generated constructor."""
    with pytest.raises(TypeError):
        BlockResult(BLOCK)  # type: ignore[call-arg]  # the missing status is the point
