"""scripts/panel.py: blind sheets with the sides balanced across reviewers, and their count."""
import importlib.util
import json
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("panel", ROOT / "scripts" / "panel.py")
panel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(panel)


@pytest.mark.parametrize("cases, reviewers", [(4, 12), (12, 6), (5, 4), (3, 3)])
def test_sides_are_balanced_per_reviewer_and_per_pair(cases, reviewers):
    rows = panel.balanced_sides(cases, reviewers, seed=7)
    assert len(rows) == reviewers and all(len(r) == cases for r in rows)
    for r in rows[: reviewers - reviewers % 2]:
        assert sum(r) in (cases // 2, cases - cases // 2)  # half the sheets with A on the left
    for first, second in zip(rows[0::2], rows[1::2]):
        assert all(a != b for a, b in zip(first, second))  # each couple sees the sides swapped
    if reviewers % 2 == 0:
        for case in range(cases):
            assert sum(r[case] for r in rows) == reviewers // 2  # every pair: A left for half the reviewers
    assert panel.balanced_sides(cases, reviewers, seed=7) == rows
    assert any(panel.balanced_sides(cases, reviewers, seed=s) != rows for s in range(8))


def write_pairs(tmp_path, names):
    for folder in ("a", "b", "photos"):
        (tmp_path / folder).mkdir()
    lines = []
    for i, name in enumerate(names):
        Image.new("RGB", (40, 30), (200, 10 * i, 0)).save(tmp_path / "a" / f"{name}.png")
        Image.new("RGB", (40, 30), (0, 10 * i, 200)).save(tmp_path / "b" / f"{name}.png")
        Image.new("RGB", (40, 30), (90, 90, 90)).save(tmp_path / "photos" / f"{name}.png")
        lines.append(f"{name}\tphotos/{name}.png\tphotos/{name}.png\tphotos/{name}.png")
    (tmp_path / "pairs.tsv").write_text("\n".join(lines) + "\n")
    return tmp_path / "pairs.tsv"


def test_make_puts_each_candidate_where_its_key_says(tmp_path):
    names = ["p1", "p2", "p3", "p4"]
    pairs = panel.read_pairs(write_pairs(tmp_path, names))
    keys = panel.make(pairs, tmp_path / "a", tmp_path / "b", str(tmp_path / "rev"), reviewers=2, seed=3, width=40)
    assert [k.name for k in keys] == ["rev1.key.json", "rev2.key.json"]
    first = json.loads(keys[0].read_text())
    assert sorted(v["name"] for v in first.values()) == names and len(first) == 4
    for key_path in keys:
        for case, entry in json.loads(key_path.read_text()).items():
            im = Image.open(tmp_path / key_path.name.replace(".key.json", "") / f"{case}.png").convert("RGB")
            left = im.getpixel((20, im.height - 20))  # A is red, B is blue
            assert (left[0] > left[2]) == (entry["left"] == "A")
    second = {v["name"]: v["left"] for v in json.loads(keys[1].read_text()).values()}
    assert all(second[v["name"]] != v["left"] for v in first.values())


def test_make_names_a_missing_result(tmp_path):
    pairs = panel.read_pairs(write_pairs(tmp_path, ["p1", "p2"]))
    (tmp_path / "b" / "p2.png").unlink()
    with pytest.raises(FileNotFoundError, match="p2.png"):
        panel.make(pairs, tmp_path / "a", tmp_path / "b", str(tmp_path / "rev"), reviewers=2)


def test_tally_counts_outcomes_and_sides():
    key = {"case01": {"name": "x", "left": "A"}, "case02": {"name": "y", "left": "B"},
           "case03": {"name": "z", "left": "B"}}
    answers = ["case01 LEFT low a", "case02 LEFT medium b", "case03 tie low", "case09 LEFT", "junk"]
    per_pair, by_side = panel.tally([(key, answers)])
    assert per_pair["x"]["A"] == 1 and per_pair["y"]["B"] == 1 and per_pair["z"]["TIE"] == 1
    assert by_side[("A left", "A")] == 1 and by_side[("A right", "B")] == 1 and by_side[("A right", "TIE")] == 1
    assert sum(by_side.values()) == 3  # the unknown case and the junk line are not counted


def test_score_reads_every_reviewer_and_the_cli_says_what_is_wrong(tmp_path, capsys):
    pairs = write_pairs(tmp_path, ["p1", "p2"])
    assert panel.main(["make", str(pairs), str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "rev"),
                       "--reviewers", "2"]) == 0
    for i in (1, 2):
        key = json.loads((tmp_path / f"rev{i}.key.json").read_text())
        lines = [f"{case} {'LEFT' if e['left'] == 'A' else 'RIGHT'} high" for case, e in key.items()]  # always A
        (tmp_path / f"rev{i}.answers.txt").write_text("\n".join(lines))
    report = panel.score(str(tmp_path / "rev"))
    assert "2 reviewers answered" in report and "| p1 | 2 | 0 | 0 |" in report and "| p2 | 2 | 0 | 0 |" in report
    assert panel.main(["make", str(tmp_path / "nope.tsv"), "a", "b", "c"]) == 1
    assert "nope.tsv" in capsys.readouterr().err


def test_score_reads_a_panel_record(tmp_path):
    record = {"what": "a", "reviewers": [
        {"key": {"case01": {"name": "x", "left": "B"}}, "answers": ["case01 RIGHT low"]},
        {"key": {"case01": {"name": "x", "left": "A"}}, "answers": ["case01 RIGHT low"]}]}
    path = tmp_path / "panel.json"
    path.write_text(json.dumps(record))
    report = panel.score(str(path))
    assert "2 reviewers answered" in report and "| x | 1 | 1 | 0 |" in report
    assert "A left: A 0, B 1" in report and "A right: A 1, B 0" in report
