"""Print sizes: the level plan, tiles, their seams, shared style statistics, the memory estimate,
cancelling mid-tile. Tile sizes are shrunk so small images run the tiled path."""
import numpy as np
import pytest
import torch

from brushwork import BrushworkError, Cancelled, Settings, engine, images, losses, memory, parameterise, stylize, tiles
from brushwork.demo import demo_images

FAST = dict(size=48, iterations=12, preview_every=0)


@pytest.fixture
def small_tiles(monkeypatch):
    """Plain levels up to 64 px, tiles of 64 px with 32 px margins above."""
    for name, value in (("BASE", 64), ("WHOLE", 64), ("TILE", 64), ("MARGIN", 32), ("PREVIEW", 64)):
        monkeypatch.setattr(tiles, name, value)


def test_up_to_512_the_plan_is_the_plain_pyramid():
    for size, scales in ((512, 0), (300, 0), (512, 2)):
        sizes = engine.pyramid(size, scales)
        assert tiles.plan_levels(size, scales, 300, 20, 1.4) == list(zip(sizes, engine.split_iterations(300, len(sizes), 1.4)))


def test_larger_sizes_keep_the_512_levels_then_at_most_double():
    plain = tiles.plan_levels(512, 0, 300, 20, 1.4)
    for size, extra in ((2048, [1024, 2048]), (4096, [1024, 2048, 4096]), (600, [600])):
        plan = tiles.plan_levels(size, 0, 300, 7, 1.4)
        assert plan[:len(plain)] == plain and [s for s, _ in plan[len(plain):]] == extra
        assert all(steps == 7 for _, steps in plan[len(plain):])
    sides = [s for s, _ in tiles.plan_levels(1500, 0, 300, 7, 1.4)]
    assert sides[-1] == 1500 and all(b <= 2 * a for a, b in zip(sides, sides[1:]))


def test_windows_cover_the_image_once_with_aligned_cores_and_clipped_margins():
    for length in (64, 500, 1537, 3072):
        spans = tiles.spans(length)
        assert spans[0][0] == 0 and spans[-1][1] == length
        assert all(a[1] == b[0] and b[0] % tiles.ALIGN == 0 for a, b in zip(spans, spans[1:]))
        assert all(max(0, c0 - tiles.MARGIN) == w0 and min(length, c1 + tiles.MARGIN) == w1
                   for c0, c1, w0, w1 in spans)
        assert all(c1 - c0 <= tiles.TILE + tiles.ALIGN for c0, c1, _, _ in spans)


def test_feather_is_one_on_the_core_and_zero_at_inner_window_edges():
    shape = (300, 400)
    for rows, cols in tiles.windows(shape, 128, 32):
        m = tiles.feather(shape, rows, cols)[0, 0]
        assert m.shape == (rows[3] - rows[2], cols[3] - cols[2])
        assert float(m[rows[0] - rows[2]:rows[1] - rows[2], cols[0] - cols[2]:cols[1] - cols[2]].min()) == 1.0
        for span, length in ((rows, shape[0]), (cols, shape[1])):
            w = tiles.ramp(length, span[2], span[3], span[:2])
            assert float(w[0]) == (1.0 if span[2] == 0 else pytest.approx(0, abs=0.05))  # image border: 1
            assert float(w[-1]) == (1.0 if span[3] == length else pytest.approx(0, abs=0.05))


def test_stitched_style_features_match_the_whole_image():
    job = engine.plan_job(Settings(), "cpu")
    image = images.to_tensor(demo_images(768)[1])  # 2 x 2 tiles of the real size
    layers = tuple(job.style_weights)
    with torch.no_grad():
        whole = job.net(image, layers)
    stitched = tiles.style_features(job.net, image, layers)
    for name in layers:
        assert stitched[name].shape == whole[name].shape, name
        a, b = losses.gram(stitched[name]), losses.gram(whole[name])
        assert float((a - b).norm() / b.norm()) < 0.05, name


def test_banded_patch_statistics_are_exact():
    image = torch.rand(1, 3, 70, 90, generator=torch.Generator().manual_seed(0))
    whole = losses.patch_statistics(image, (1, 2, 4))
    for band in (16, 15):  # an odd band is rounded up to the fine stride, or bands would read other patches
        banded = tiles.patch_statistics(image, (1, 2, 4), band=band)
        for f in whole:
            for k in ("mean", "cov"):
                assert torch.allclose(banded[f][k], whole[f][k], atol=1e-5), (band, f, k)


def _seam(a: np.ndarray, cuts, axis: int, k: int = 4) -> float:
    """Mean over the cuts of the step across the cut (mean absolute difference of the two pixel
    lines) over the median step of the k lines on each side: about 1 where nothing happens."""
    d = np.abs(np.diff(a.astype(float), axis=axis)).mean(axis=2).mean(axis=1 - axis)
    return float(np.mean([d[c - 1] / np.median(np.r_[d[c - 1 - k:c - 1], d[c:c + k]]) for c in cuts]))


def test_tiled_levels_have_no_seams_and_lower_the_whole_level_loss(small_tiles):
    content, style = demo_images(160)
    s = Settings(size=160, iterations=6, detail_steps=6, preview_every=0)
    tiled = stylize(content, style, s)
    a = np.asarray(tiled)
    rows, cols = (tiles.spans(n) for n in a.shape[:2])
    assert len(rows) > 1 and len(cols) > 1
    assert _seam(a, [c[0] for c in cols[1:]], 1) < 1.5 and _seam(a, [r[0] for r in rows[1:]], 0) < 1.5
    upsampled = stylize(content, style, s.replace(detail_steps=0))  # the same run without fine-level steps
    job = engine.plan_job(s, "cpu")
    targets = engine.make_targets(job, images.to_tensor(images.resize_long(content, 160)),
                                  [images.to_tensor(images.resize_long(style, 160))], (1.0,))
    loss = lambda im: float(engine.objective(job, images.to_tensor(im), targets)["total"])
    assert loss(tiled) < 0.9 * loss(upsampled)  # tiles with shared statistics optimise the whole level


def test_each_tile_gets_its_window_of_the_levels_gain_map(small_tiles, monkeypatch):
    content, style = demo_images(160)
    seen, optimise = [], engine.optimise

    def spy(job, image, targets, steps, report, cancel, compose=None, gain=None):
        seen.append((image.shape[-2:], None if gain is None else gain.shape[-2:]))
        return optimise(job, image, targets, steps, report, cancel, compose, gain)
    monkeypatch.setattr(engine, "optimise", spy)
    stylize(content, style, Settings(size=160, iterations=4, detail_steps=2, preview_every=0))
    tiled = [(shape, gain) for shape, gain in seen if shape[-1] < 160 and max(shape) > 64]
    assert len(tiled) > 1 and all(gain == shape for shape, gain in tiled)


def test_back_project_gives_the_small_image_when_shrunk_and_keeps_the_fine_detail():
    g = torch.Generator().manual_seed(0)
    small = images.resize_tensor(torch.rand(1, 3, 12, 16, generator=g), (48, 64))
    big = torch.rand(1, 3, 192, 256, generator=g)  # unrelated coarse content, lots of fine detail
    out = images.back_project(big, small)
    shrink = lambda x: torch.nn.functional.interpolate(x, size=(48, 64), mode="bicubic", antialias=True)  # noqa: E731
    assert (shrink(out) - small).abs().mean() < 0.05 * (shrink(big) - small).abs().mean()
    fine = lambda x: (x[..., 1:, :] - x[..., :-1, :]).abs().mean()  # noqa: E731 - pixel-to-pixel steps
    assert fine(out - big) < 0.1 * fine(big)  # what changed is coarse: the grain is the big image's


def test_keep_preview_makes_the_print_scaled_down_the_preview(small_tiles):
    content, style = demo_images(160)
    s = Settings(size=128, iterations=8, detail_steps=6, preview_every=0)
    preview = images.to_tensor(stylize(content, style, s.replace(size=64)))  # the levels of a BASE run
    shrunk = {k: images.resize_tensor(images.to_tensor(stylize(content, style, s.replace(keep_preview=k))),
                                      preview.shape[-2:]) for k in (0.0, 0.5, 1.0)}
    miss = {k: float((v - preview).abs().mean()) for k, v in shrunk.items()}
    assert miss[1.0] < 0.01 and miss[1.0] < miss[0.5] < miss[0.0]


def test_hard_pasted_tiles_would_fail_the_seam_measure():
    """The seam measure can fail: two halves optimised apart and pasted show a step."""
    a = np.asarray(demo_images(160)[0]).astype(float)
    b = a.copy()
    b[:, 64:] = np.clip(b[:, 64:] * 0.9 + 10, 0, 255)
    assert _seam(a, [64], 1) < 1.5 < _seam(b, [64], 1)


def test_progress_counts_tile_steps_and_previews_are_downscaled(small_tiles):
    content, style = demo_images(160)
    seen = []
    s = Settings(size=160, iterations=4, detail_steps=2, preview_every=1)
    out = stylize(content, style, s, progress=seen.append)
    assert [p.iteration for p in seen] == list(range(1, seen[-1].total + 1))
    tiled = [p for p in seen if p.level == p.levels - 1]
    assert len(tiled) == 2 * len(tiles.windows((120, 160)))
    assert all(max(p.image.size) <= 64 for p in tiled) and out.size == (160, 120)


def test_cancel_in_the_middle_of_a_tile_returns_the_whole_image(small_tiles):
    content, style = demo_images(160)
    calls = []
    s = Settings(size=160, iterations=2, detail_steps=3, preview_every=0)
    with pytest.raises(Cancelled) as stop:
        stylize(content, style, s, cancel=lambda: calls.append(1) or len(calls) > 2 + 4 * 3 + 4)  # last level
    assert stop.value.image.size == (160, 120)


def test_the_estimate_grows_slower_than_the_pixels_once_tiled(monkeypatch):
    monkeypatch.setattr(memory, "held_now", lambda device: 0)  # only what the run adds
    job = engine.plan_job(Settings(), "cpu")
    e = {n: memory.estimate(job, (n * 3 // 4, n), torch.device("cpu")) for n in (1024, 2048, 4096)}
    assert 0.9 * e[1024] <= e[2048] < e[4096] < 2.5 * e[2048]  # 4x the pixels
    assert memory.largest_area((1536, 2048)) == memory.largest_area((3072, 4096)) < 1024 * 768  # one window


def test_the_estimate_counts_the_paintings_size(monkeypatch):
    """Paintings are resized to the level times the style scale: a square one costs more than a
    wide one, two cost more than one (a 4096 px painting at 4096 px once took 9.8 GiB)."""
    monkeypatch.setattr(memory, "held_now", lambda device: 0)
    job = engine.plan_job(Settings(), "cpu")
    cpu, shape = torch.device("cpu"), (3072, 4096)
    wide = memory.estimate(job, shape, cpu, styles=[(1024, 640)])
    square = memory.estimate(job, shape, cpu, styles=[(4096, 4096)])
    two = memory.estimate(job, shape, cpu, styles=[(4096, 4096), (4096, 4096)])
    assert wide < square < two
    assert memory.style_pixels(4096, [(4096, 4096)], 1.5) == 6144 * 6144
    assert memory.style_pixels(4096, [(1000, 500)], 1.0) == 4096 * 2048


def test_too_large_names_the_largest_size_that_fits(monkeypatch):
    job = engine.plan_job(Settings(), "cpu")
    cpu = torch.device("cpu")
    limit = memory.estimate(job, (384, 512), cpu) + (32 << 20)
    monkeypatch.setattr(engine, "available_memory", lambda device: limit - memory.held_now(cpu))
    with pytest.raises(BrushworkError, match=r"largest size that fits is about (\d+) px") as err:
        engine.check_memory(job, (1536, 2048), cpu)
    largest = int(err.value.args[0].split("about ")[2].split(" px")[0])
    assert 448 <= largest < 1024  # 512 px, give or take what the process holds meanwhile
    assert memory.estimate(job, (largest * 3 // 4, largest), cpu) <= limit + (64 << 20)


def test_max_memory_caps_the_budget_and_is_checked():
    with pytest.raises(BrushworkError, match="max_memory"):
        Settings(max_memory=-1).validate()
    job = engine.plan_job(Settings(max_memory=0.5), "cpu")
    with pytest.raises(BrushworkError, match="0.5 GiB budget"):
        engine.check_memory(job, (1536, 2048), torch.device("cpu"))


def test_web_jobs_at_print_size_count_the_tile_steps(tmp_path):
    """The studio takes 4096 px and its progress total is the run's (levels and tiles), not iterations."""
    from test_web_api import FakeRunner, stop, submit, wait

    from brushwork.web.app import create_app
    from fastapi.testclient import TestClient
    client = TestClient(create_app(tmp_path / "data", runner=FakeRunner()), base_url="http://127.0.0.1")
    client.__enter__()
    try:
        created = submit(client, settings={"size": 4096, "iterations": 4})
        assert created.status_code == 201, created.text
        job = wait(client, created.json()["id"])
        # the test photo is 48 x 32: levels 128..512 (4 steps), then 1024 whole and 2048, 4096 in tiles
        assert job["total"] == tiles.total_steps(Settings(size=4096, iterations=4), 48, 32) > 4 + 20 * 3
    finally:
        stop(client)


def test_stroke_statistics_band_by_band_equal_the_whole_image():
    """A large painting's stroke coherences are summed band by band (a whole 6144 px painting's
    structure tensors took 7 GiB); each band needs the blur's margin of real rows to be exact."""
    image = torch.rand(1, 3, 150, 61, generator=torch.Generator().manual_seed(3))
    whole = losses.stroke_statistics(image)
    assert torch.allclose(losses.stroke_statistics(image, band=16), whole, atol=1e-6)
    assert torch.allclose(losses.stroke_statistics(image, band=7), whole, atol=1e-6)
    anisotropy, energy = losses.stroke_sums(image[..., :22, :], rows=slice(0, 20))  # no margin below: not equal
    cut = losses.stroke_sums(image, rows=slice(0, 20))
    assert not torch.allclose(anisotropy, cut[0])


def test_finer_levels_keep_the_previews_colour_resolution():
    """Above BASE colour is optimised as coarsely, relative to the picture, as at BASE: a 2048 px
    print scaled down to 512 px then has the preview's colour, not 4x finer colour grain."""
    job = engine.plan_job(Settings(), "cpu")
    assert tiles.detail_job(job, tiles.BASE) is job
    assert tiles.detail_job(job, 2048).settings.chroma_factor == job.settings.chroma_factor * 2048 / tiles.BASE
    assert tiles.detail_job(job, 2048).settings.style_weight == job.settings.style_weight
    plain = engine.plan_job(Settings(chroma_factor=1), "cpu")
    assert tiles.detail_job(plain, 4096).settings.chroma_factor == 1
    image = torch.rand(1, 3, 1536, 2048)
    chroma = parameterise.encode(image, 4, tiles.detail_job(job, 2048).settings.chroma_factor)[-1]
    assert chroma.shape[-2:] == (96, 128)  # 2048 / 16: the 512 px preview's 128 px colour grid
