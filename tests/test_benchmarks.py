"""The benchmark scripts: what they measure still exists (bench_stages wraps private stages of the core)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import FIXTURES, ROOT

BENCH_STAGES = ROOT / "benchmarks" / "bench_stages.py"


def _stage_labels() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_stages_under_test", BENCH_STAGES)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [label for _, label in module.CORE_STAGES]


def test_bench_stages_times_every_stage_it_names(tmp_path: Path) -> None:
    """One run of bench_stages on two fixture files finds and times every stage of the core it names."""
    inputs = sorted((FIXTURES / "snapshots" / "input").glob("*.txt"))
    files = tmp_path / "files.json"
    files.write_text(json.dumps([str(path) for path in inputs]), encoding="utf-8")
    command = [sys.executable, str(BENCH_STAGES), "--one-run", str(files), "0"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    assert answer["missing"] == []
    assert answer["blocks"] > 0
    expected = ["start-up", "read", "dedupe", *_stage_labels(), "dedupe, other", "render and write JSON"]
    assert sorted(answer["figures"]) == sorted(expected)


BENCH_QUALITY = ROOT / "benchmarks" / "bench_quality.py"


def _bench_quality() -> Any:
    spec = importlib.util.spec_from_file_location("bench_quality_under_test", BENCH_QUALITY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _invented_corpus(folder: Path, split: str) -> None:
    """Two small corpus files in the LiveBlogSummary shape, of invented blogs."""
    import gzip
    import random

    rng = random.Random(5)
    towns = ["Arlow", "Bexham", "Corrin", "Dunmere", "Elsby", "Farleigh"]
    things = ["bridge", "school", "harbour", "library", "station", "market", "clinic", "depot"]
    verbs = ["reopen", "close", "expand", "move", "be rebuilt", "be inspected"]
    for source in ("guardian", "bbc"):
        with gzip.open(folder / f"{source}-{split}.jsonl.gz", "wt", encoding="utf-8") as stream:
            for blog in range(6):
                posts = []
                for post in range(10):
                    sentences = [
                        f"The {rng.choice(things)} in {rng.choice(towns)} will {rng.choice(verbs)} "
                        f"within {rng.randint(2, 90)} days, {rng.choice(towns)} council said on day {post}."
                        for _ in range(rng.randint(1, 4))
                    ]
                    posts.append(
                        {
                            "id": f"p{post}",
                            "time": f"2016-08-0{1 + blog % 9}T{10 + post:02d}:{rng.randint(0, 59):02d}",
                            "title": f"Update {post} from {towns[blog % len(towns)]}" if post % 2 else "",
                            "text": sentences,
                        }
                    )
                record = {
                    "id": f"{source}{blog:08d}",
                    "source": source,
                    "title": f"{towns[blog]} live: roads and services, day {blog}",
                    "genre": "uk-england-arlow" if source == "bbc" and blog < 3 else "news",
                    "posts": posts,
                }
                stream.write(json.dumps(record) + "\n")


def test_bench_quality_runs_and_beats_the_exact_hash_baseline(tmp_path: Path) -> None:
    """bench_quality on an invented corpus: every figure printed, lbdedup's pair F1 above exact hashing's."""
    _invented_corpus(tmp_path, "test")
    command = [sys.executable, str(BENCH_QUALITY), "--corpus", str(tmp_path), "--blogs", "6", "--json"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout)
    assert sorted(figures) == ["bbc-test", "guardian-test"]
    for name in figures:
        ours, baseline = figures[name]["lbdedup"], figures[name]["exact-hash"]
        assert ours["blocks"] == baseline["blocks"] > 0
        assert ours["misaligned_blocks"] == 0
        assert ours["pair_f1"] > baseline["pair_f1"]
        assert "timelines_mixing_blogs" in ours
        assert "timelines_mixing_blogs" not in baseline


def test_bench_quality_missing_corpus_is_exit_2(tmp_path: Path) -> None:
    """Without the corpus the benchmark says so in one line and exits 2."""
    command = [sys.executable, str(BENCH_QUALITY), "--corpus", str(tmp_path / "absent")]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_natural_copies_finds_quotes_and_refuses_other_numbers() -> None:
    """The truth's own copy rule: a quote inside a longer post is a copy; a changed number is not."""
    quality = _bench_quality()
    quote = "the minister said the new line would open in the spring of next year"
    longer = f"speaking in leeds {quote} and cost less than planned"
    other_number = "the council said 45 people were moved from the flats on the east side overnight"
    same_but_46 = other_number.replace("45", "46")
    pairs = quality.natural_copies([quote, longer, other_number, same_but_46, "ouch"])
    assert pairs == [(quote, longer)]


def test_score_of_a_perfect_answer_and_of_merged_time_lines() -> None:
    """Scoring: the truth itself scores 1.0; merging two posts' equal time lines costs precision."""
    quality = _bench_quality()
    judged_type = quality.Judged
    blogs = {"a.txt": "A", "b.txt": "B"}
    lines = [
        ("a.txt", "time", "A/1/t", "A/1"),
        ("a.txt", "content", "A/1/0", "A/1"),
        ("b.txt", "time", "B/1/t", "B/1"),
        ("b.txt", "content", "A/1/0", "B/1"),
    ]
    groups = {(name, i): key for i, (name, _, key, _) in enumerate(lines)}
    texts = {
        (name, i): "08:00" if role == "time" else "same words" for i, (name, role, _, _) in enumerate(lines)
    }
    positions = list(range(len(lines)))

    def answer(clusters: list[str], kept: list[bool]) -> list[Any]:
        return [
            judged_type(name, role, key, post, keep, False, cluster)
            for (name, role, key, post), cluster, keep in zip(lines, clusters, kept, strict=True)
        ]

    perfect = quality.score(
        answer(["", "c", "", "c"], [True, True, True, False]),
        groups,
        texts,
        positions,
        [["a.txt"], ["b.txt"]],
        blogs,
        set(),
    )
    assert perfect["pair_f1"] == 1.0
    assert (perfect["groups_lost"], perfect["redundant_left"], perfect["timelines_mixing_blogs"]) == (0, 0, 0)
    merged = quality.score(
        answer(["t", "c", "t", "c"], [True, True, False, False]),
        groups,
        texts,
        positions,
        [["a.txt", "b.txt"]],
        blogs,
        set(),
    )
    assert merged["pair_precision"] == 0.5
    assert merged["timelines_mixing_blogs"] == 1


def test_dangling_link_prompts_of_the_corpus_are_furniture() -> None:
    """'Read more.' with its stop and 'Read more: <another story>' are prompts; prose that reads on is not."""
    dangling = _bench_quality().DANGLING
    assert all(
        dangling.match(text) for text in ["Read more.", "Read more", "Read more: a profile of the mayor"]
    )
    assert not dangling.match(
        "Read more about it here: the mayor set out her aims in a letter to the council."
    )
    assert not dangling.match("Read more: voices from the shelter: inside a hall as families wait read more")


def test_a_time_kept_for_a_post_shown_again_counts_for_both() -> None:
    """A printed post whose time line the truth joined with its copy's is timed when either line is kept."""
    quality = _bench_quality()
    lines = [
        ("a.txt", "time", "A/1/t", "A/1"),
        ("a.txt", "headline", "A/1/h", "A/1"),
        ("a.txt", "time", "A/1/t", "A/2"),
        ("a.txt", "headline", "A/1/h", "A/2"),
        ("a.txt", "content", "A/2/0", "A/2"),
    ]
    groups = {("a.txt", i): key for i, (_, _, key, _) in enumerate(lines)}
    texts = {
        ("a.txt", i): "00:00" if role == "time" else f"words {i}" for i, (_, role, _, _) in enumerate(lines)
    }
    kept = [True, True, False, False, True]
    judged = [
        quality.Judged(name, role, key, post, keep, False, "")
        for (name, role, key, post), keep in zip(lines, kept, strict=True)
    ]
    figures = quality.score(judged, groups, texts, list(range(5)), None, {"a.txt": "A"}, set())
    assert figures["post_times_lost"] == 0
    groups[("a.txt", 2)] = "A/2/t"
    assert (
        quality.score(judged, groups, texts, list(range(5)), None, {"a.txt": "A"}, set())["post_times_lost"]
        == 1
    )


def test_a_text_inside_a_printed_copy_of_its_container_is_not_lost() -> None:
    """A short text inside a longer one whose group is printed in another copy's words is not lost."""
    quality = _bench_quality()
    short = "If you would like to get in touch, email us."
    longer = f"We are in the newsroom all day. {short}"
    other_copy = "We are in the newsroom all day. If you would like to join in, email us."
    lines = [("a.txt", short, "S"), ("a.txt", longer, "L"), ("b.txt", other_copy, "L")]
    groups = {(name, i): key for i, (name, _, key) in enumerate(lines)}
    texts = {(name, i): text for i, (name, text, _) in enumerate(lines)}
    kept = [False, False, True]
    judged = [
        quality.Judged(name, "content", key, "", keep, False, "c")
        for (name, _, key), keep in zip(lines, kept, strict=True)
    ]
    inside = {(quality._plain(short), quality._plain(longer))}
    blogs = {"a.txt": "A", "b.txt": "B"}
    assert quality.score(judged, groups, texts, [0, 1, 2], None, blogs, inside)["groups_lost"] == 0
    judged[2] = quality.Judged("b.txt", "content", "L", "", False, False, "c")
    assert quality.score(judged, groups, texts, [0, 1, 2], None, blogs, inside)["groups_lost"] == 2
