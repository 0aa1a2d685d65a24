import threading

import numpy as np
import pytest

from brushwork import BrushworkError, Cancelled, Settings, engine, images, preset, stylize
from conftest import gradient_image, stripes_image

FAST = dict(size=48, iterations=12, preview_every=0)


def run(settings, **kw):
    seen = []
    out = stylize(gradient_image(), [stripes_image()], settings, progress=seen.append, **kw)
    return out, seen


def test_the_loss_falls_and_progress_counts_every_step():
    out, seen = run(Settings(**{**FAST, "iterations": 20, "scales": 1}))
    assert out.size == (48, 36)
    assert [p.iteration for p in seen] == list(range(1, 21))
    assert seen[-1].losses["total"] < 0.7 * seen[0].losses["total"]
    assert seen[-1].image is not None and seen[-1].image.size == (48, 36)


def test_same_seed_same_image_and_other_seed_other_image():
    import torch
    s = Settings(**FAST, init="noise", seed=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # several threads: where MKL's products could differ from run to run
    try:
        a, *again = [run(s)[0] for _ in range(3)]
        c, _ = run(s.replace(seed=4))
    finally:
        torch.set_num_threads(threads)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for b in again)
    assert not np.array_equal(np.asarray(a), np.asarray(c))


def test_lbfgs_and_mix_init_run():
    out, seen = run(Settings(**FAST, optimizer="lbfgs", learning_rate=1.0, init="mix", noise_ratio=0.5, scales=1))
    assert seen[-1].losses["total"] < seen[0].losses["total"]


def test_coarse_to_fine_levels():
    assert engine.pyramid(512, 0) == [128, 256, 512]
    assert engine.pyramid(100, 0) == [100]
    assert engine.pyramid(512, 2) == [256, 512]
    assert engine.split_iterations(300, 3, 2.0) == [173, 85, 42]
    assert engine.split_iterations(2, 3, 2.0) == [0, 0, 2]
    _, seen = run(Settings(size=64, iterations=9, scales=2, preview_every=0))
    assert [p.level for p in seen] == [0] * 6 + [1] * 3
    assert seen[5].image.size == (32, 24) and seen[-1].image.size == (64, 48)


def test_level_ratio_moves_steps_to_the_finer_levels():
    assert engine.split_iterations(240, 2, 1.4) == [140, 100]
    assert engine.split_iterations(240, 2, 1.0) == [120, 120]
    assert sum(engine.split_iterations(301, 3, 1.4)) == 301
    _, seen = run(Settings(size=64, iterations=12, scales=2, level_ratio=1.0, preview_every=0))
    assert [p.level for p in seen] == [0] * 6 + [1] * 6


def test_the_finer_level_gets_a_gain_map_from_the_coarser_result(monkeypatch):
    import torch
    gains, optimise = [], engine.optimise

    def spy(job, image, targets, steps, report, cancel, compose=None, gain=None):
        gains.append(gain)
        return optimise(job, image, targets, steps, report, cancel, compose, gain)
    monkeypatch.setattr(engine, "optimise", spy)
    run(Settings(size=64, iterations=8, scales=2, preview_every=0))
    first, second = gains
    assert first is None  # the start: the uniform fine gain
    assert isinstance(second, torch.Tensor) and second.shape == (1, 1, 48, 64)
    assert float(second.min()) < float(second.max())  # it follows the coarse level's strokes
    gains.clear()
    run(Settings(size=64, iterations=8, scales=2, preview_every=0, detail_follow=0.0))
    assert gains == [None, None]
    assert engine.level_gain(Settings(octaves=1), torch.rand(1, 3, 8, 8)) is None  # plain pixels have no octave


def test_the_match_term_paints_the_first_level_only(monkeypatch):
    from brushwork import terms
    seen = []
    evaluate = terms.evaluate
    monkeypatch.setattr(terms, "evaluate", lambda ctx, im, t: seen.append((im.shape[-1], sorted(t))) or
                        evaluate(ctx, im, t))
    _, progress = run(Settings(size=64, iterations=8, scales=2, preview_every=0, match_weight=10.0))
    assert {names.count("match") for width, names in seen if width == 32} == {1}
    assert {names.count("match") for width, names in seen if width == 64} == {0}
    assert "match" in progress[0].losses and "match" not in progress[-1].losses
    assert float(progress[0].losses["match"]) > 0
    job = engine.plan_job(Settings(match_weight=1.0), "cpu")
    assert terms.for_level(job, 0) is job and terms.for_level(job, 1).settings.match_weight == 0
    assert terms.for_level(job, 1).settings.style_weight == job.settings.style_weight


def test_start_colour_fades_only_the_photo_starts():
    import torch
    photo = images.to_tensor(gradient_image(seed=1))
    painting = images.to_tensor(stripes_image())
    chroma_spread = lambda t: float(images.rgb_to_yiq(t)[0, 1:].flatten(1).std(1).max())
    g = lambda: torch.Generator().manual_seed(0)
    start = lambda **kw: engine.initial_image(Settings(**kw), photo, g(), [painting])
    full = chroma_spread(start(start_colour=1.0))
    assert chroma_spread(start(start_colour=0.0)) < 0.1 * full  # the painting's mean colour (but where clipped)
    assert torch.allclose(start(start_colour=1.0), images.match_colour(photo, painting))
    assert chroma_spread(start(start_colour=0.15)) < 0.3 * full
    assert torch.equal(start(init="noise", start_colour=0.0), start(init="noise"))  # not a photo start
    kept = start(start_colour=0.0, preserve_color="histogram")  # the photo's colours are wanted there
    assert torch.allclose(kept, images.match_colour(photo, painting))


def test_previews_and_snapshots_arrive_when_asked():
    _, seen = run(Settings(**{**FAST, "preview_every": 4, "snapshot_every": 6, "scales": 1}))
    with_image = [p.iteration for p in seen if p.image is not None]
    assert with_image == [4, 6, 8, 12]
    assert [p.iteration for p in seen if p.snapshot] == [6, 12]


def test_cancel_stops_early_with_the_image_so_far():
    stop = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.iteration == 3:
            stop.set()

    with pytest.raises(Cancelled) as e:
        stylize(gradient_image(), stripes_image(), Settings(**FAST), progress=progress, cancel=stop)
    assert len(seen) == 3 and e.value.image.size[0] > 0


def test_nan_loss_stops_with_a_clear_error():
    with pytest.raises(BrushworkError, match="the loss became"):
        run(Settings(**FAST, style_weight=1e308, content_weight=1e308))


def test_two_styles_blend_and_blend_count_is_checked():
    s = Settings(**FAST, style_blend=(1.0, 0.0))
    only_first = stylize(gradient_image(), [stripes_image(), gradient_image(seed=9)], s)
    alone = stylize(gradient_image(), [stripes_image()], Settings(**FAST))
    assert np.abs(np.asarray(only_first, float) - np.asarray(alone, float)).mean() < 1.0
    with pytest.raises(BrushworkError, match="2 style images but 1 blend"):
        stylize(gradient_image(), [stripes_image(), stripes_image()], Settings(**FAST, style_blend=(1.0,)))


def test_luminance_transfer_keeps_the_content_colours():
    content = gradient_image()
    out = stylize(content, stripes_image(), Settings(**FAST, preserve_color="luminance"))
    chroma = lambda im: images.rgb_to_yiq(images.to_tensor(im))[:, 1:]
    assert (chroma(out) - chroma(content)).abs().mean() < 0.02


def test_histogram_colour_keeps_the_content_palette():
    channel_means = lambda im: np.asarray(im, float).reshape(-1, 3).mean(0)
    content = channel_means(gradient_image())
    kept, _ = run(Settings(**FAST, preserve_color="histogram"))
    plain, _ = run(Settings(**FAST))
    assert np.abs(channel_means(kept) - content).max() < 8
    assert np.abs(channel_means(plain) - content).max() > 25  # the stripes' palette, without it


def test_init_file_is_where_the_optimisation_starts(tmp_path):
    from PIL import Image
    init = tmp_path / "init.png"
    Image.new("RGB", (48, 36), (230, 20, 20)).save(init)
    from_file, _ = run(Settings(**FAST, init="file", init_image=str(init)))
    from_content, _ = run(Settings(**FAST, init="content"))
    red = lambda im: np.abs(np.asarray(im, float) - (230, 20, 20)).mean()
    assert from_file.size == (48, 36) and red(from_file) < 15 and red(from_content) > 60


def test_too_large_for_memory_is_refused_before_work(monkeypatch):
    monkeypatch.setattr(engine, "available_memory", lambda device: 1 << 20)
    with pytest.raises(BrushworkError, match="use a smaller size"):
        run(Settings(**FAST))


def test_vgg_presets_run_with_random_weights(vgg16_weights, vgg19_weights):
    for name, path in (("dl4j", vgg16_weights), ("signalpop", vgg19_weights), ("neural-style", vgg19_weights)):
        s = preset(name, weights=str(path), size=32, iterations=3, snapshot_every=0)
        out, seen = run(s)
        assert out.size == (32, 24) and len(seen) == 3, name


def test_each_weighted_term_is_reported_under_its_own_name_and_adds_to_the_total():
    content, style = (images.to_tensor(im) for im in (gradient_image(), stripes_image()))
    for weight, expect in ((0.0, False), (10.0, True)):
        job = engine.plan_job(Settings(**FAST, patch_weight=weight, colour_weight=weight), "cpu")
        targets = engine.make_targets(job, content, [style], (1.0,))
        assert ("patch" in targets and "colour" in targets) is expect
        values = engine.objective(job, content, targets)
        assert ("patch" in values and "colour" in values) is expect
        parts = sum(float(v) for k, v in values.items() if k != "total")
        assert float(values["total"]) == pytest.approx(parts, rel=1e-5)
        if expect:
            assert float(values["patch"]) > 0 and float(values["colour"]) > 0


@pytest.mark.parametrize("octaves,chroma", [(1, 1.0), (3, 1.0), (3, 2.0)])
def test_every_parameterisation_lowers_the_loss_and_keeps_the_size(octaves, chroma):
    out, seen = run(Settings(**{**FAST, "iterations": 15, "scales": 1}, octaves=octaves, chroma_factor=chroma,
                             fine_gain=0.5))
    assert out.size == (48, 36)
    assert seen[-1].losses["total"] < 0.8 * seen[0].losses["total"]
