"""The nearest-neighbour repaint (repaint.py): the photo rebuilt from the painting's own patches,
mixed into the first level's start (Settings.repaint), and the finer levels' content weight
(Settings.fine_content) that pulls the photo's edges back after it."""
import pytest
import torch

from brushwork import Settings, engine, images, repaint, terms
from conftest import gradient_image, stripes_image


def smooth_noise(shape, seed=0):
    x = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    return images.gauss_blur(x, 1.5)


def test_each_feature_finds_itself_and_a_chunked_search_agrees():
    f = torch.randn(1, 12, 9, 7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(repaint.nearest(f, f), torch.arange(63))
    g = torch.randn(1, 12, 5, 6, generator=torch.Generator().manual_seed(1))
    assert torch.equal(repaint.nearest(f, g, chunk=10), repaint.nearest(f, g))


def test_pasting_every_patch_in_its_own_place_gives_the_painting_back():
    painting = smooth_noise((1, 3, 40, 48))
    out = repaint.paste(painting, torch.arange(5 * 6), (5, 6), 8)
    assert out.shape == painting.shape and torch.allclose(out, painting, atol=1e-5)


def test_overlapping_patches_cross_fade_without_a_grid():
    # A dark and a light flat patch pasted in stripes two patches wide. Averaged as plain boxes,
    # neighbouring patches meet in hard steps every half patch; under the Hann window the change
    # is gradual.
    painting = torch.cat([torch.zeros(1, 3, 24, 24), torch.ones(1, 3, 24, 24)], 3)  # a 3 x 6 grid
    dark, light = 1 * 6 + 1, 1 * 6 + 4  # middle-row patches wholly inside each half
    pick = torch.tensor([light if (j // 2) % 2 else dark for i in range(6) for j in range(6)])
    out = repaint.paste(painting, pick, (6, 6), 8)[0, 0]
    chosen = torch.nn.functional.unfold(painting, 16, padding=4, stride=8)[..., pick]
    box = (torch.nn.functional.fold(chosen, (48, 48), 16, padding=4, stride=8) /
           torch.nn.functional.fold(torch.ones_like(chosen), (48, 48), 16, padding=4, stride=8))[0, 0]
    step = lambda im: float((im[8:40, 9:40] - im[8:40, 8:39]).abs().max())  # noqa: E731
    assert step(box) >= 0.25 and step(out) < 0.5 * step(box)
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert float(out[8:40, 8:40].std()) > 0.1  # both tones are still there


def test_a_painting_repainted_from_itself_is_itself():
    net = engine.plan_job(Settings(), "cpu").net
    painting = images.to_tensor(gradient_image(w=64, h=48, seed=2))
    out = repaint.repaint(net, "block3_3", painting, painting)
    assert out.shape == painting.shape
    assert float((out - painting).abs().mean()) < 0.03


def test_the_repaint_is_mixed_into_photo_starts_only():
    job = engine.plan_job(Settings(repaint=0.5), "cpu")
    photo = images.to_tensor(gradient_image(w=64, h=48))
    painting = images.to_tensor(stripes_image(w=72, h=72))
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    start = lambda s, j=job: engine.initial_image(s, photo, g(), [painting], j, (1.0,))  # noqa: E731
    alone = dict(region_tone=0.0, region_hue=0.0)  # the repaint without the region start
    plain = start(Settings(**alone), None)
    assert torch.equal(start(Settings(repaint=0.0, **alone)), plain)  # off: the start as before
    painted = repaint.blended(job.net, job.match_layers[0], photo, [painting], (1.0,))
    assert torch.allclose(start(Settings(repaint=1.0, **alone)), painted)
    assert torch.allclose(start(Settings(repaint=0.5, **alone)), (plain + painted) / 2, atol=1e-6)
    noise = Settings(init="noise", repaint=1.0)
    assert torch.equal(start(noise), start(noise, None))  # not a photo start: left alone


def test_two_paintings_repaint_by_their_blend_weights():
    job = engine.plan_job(Settings(), "cpu")
    photo = images.to_tensor(gradient_image(w=64, h=48))
    a, b = images.to_tensor(stripes_image(w=72, h=72)), images.to_tensor(gradient_image(w=80, h=64, seed=5))
    one = lambda p: repaint.repaint(job.net, "block3_3", photo, p)  # noqa: E731
    mixed = repaint.blended(job.net, "block3_3", photo, [a, b], (3.0, 1.0))
    assert torch.allclose(mixed, 0.75 * one(a) + 0.25 * one(b), atol=1e-6)
    assert torch.allclose(repaint.blended(job.net, "block3_3", photo, [a, b], (1.0, 0.0)), one(a))


@pytest.mark.parametrize("fine", [1.0, 2.5])
def test_fine_content_weighs_the_content_of_the_finer_levels(fine):
    job = engine.plan_job(Settings(content_weight=0.8, fine_content=fine), "cpu")
    assert terms.for_level(job, 0).settings.content_weight == 0.8
    finer = terms.for_level(job, 1).settings
    assert finer.content_weight == pytest.approx(0.8 * fine)
    assert finer.style_weight == job.settings.style_weight and finer.fine_content == fine


def test_a_run_with_the_repaint_starts_from_it(monkeypatch):
    starts = []
    initial = engine.initial_image
    monkeypatch.setattr(engine, "initial_image", lambda *a, **kw: starts.append(a) or initial(*a, **kw))
    out = engine.stylize(gradient_image(w=64, h=48), [stripes_image(w=72, h=72)],
                         Settings(size=64, iterations=4, scales=2, repaint=0.5, preview_every=0))
    assert out.size == (64, 48)
    assert len(starts) == 1 and starts[0][4] is not None  # the first level, given the job


def two_halves(h=24, w=32):
    """A dark left half and a light right half, each with a little detail."""
    x = torch.zeros(1, 3, h, w)
    x[..., w // 2:] = 0.8
    return (x + 0.05 * smooth_noise((1, 3, h, w), seed=3)).clamp(0, 1)


def test_segments_follow_the_photos_edges_and_leave_an_even_area_whole():
    labels = repaint.segments(two_halves(48, 64))
    left, right = set(labels[:, :28].flatten().tolist()), set(labels[:, 36:].flatten().tolist())
    assert left.isdisjoint(right)  # no region crosses the edge
    flat = repaint.segments(torch.full((1, 3, 48, 64), 0.4))
    assert int(flat.max()) == 0  # one region


def test_region_means_are_the_mean_of_each_region():
    x = torch.arange(24, dtype=torch.float32).reshape(1, 1, 4, 6)
    labels = (torch.arange(6)[None, :] >= 3).long().expand(4, 6).numpy()
    m = repaint.region_means(x, labels)
    assert torch.allclose(m[0, 0, :, :3], x[0, 0, :, :3].mean().expand(4, 3))
    assert torch.allclose(m[0, 0, :, 3:], x[0, 0, :, 3:].mean().expand(4, 3))


def test_by_region_takes_each_regions_tone_and_hue_and_keeps_the_detail_inside():
    start = 0.2 + 0.5 * two_halves()
    painted = torch.rand(1, 3, 24, 32, generator=torch.Generator().manual_seed(4)) * 0.5 + 0.2
    labels = (torch.arange(32)[None, :] >= 16).long().expand(24, 32).numpy()
    y = lambda t: images.rgb_to_yiq(t)  # noqa: E731
    out = repaint.by_region(start, painted, labels, tone=1.0, hue=1.0)
    target = repaint.region_means(y(painted), labels)
    assert torch.allclose(repaint.region_means(y(out), labels), target, atol=1e-5)  # tone and hue moved
    detail = lambda t: y(t)[:, :1] - repaint.region_means(y(t)[:, :1], labels)  # noqa: E731
    assert torch.allclose(detail(out), detail(start), atol=1e-5)  # the photo's detail kept
    assert torch.allclose(repaint.by_region(start, painted, labels, 0.0, 0.0), start, atol=1e-6)
    half = repaint.by_region(start, painted, labels, tone=0.5, hue=0.0)
    assert torch.allclose(y(half)[:, 1:], y(start)[:, 1:], atol=1e-5)  # no hue asked, none moved


def test_region_settings_change_only_photo_starts():
    job = engine.plan_job(Settings(), "cpu")
    photo = images.to_tensor(gradient_image(w=64, h=48))
    painting = images.to_tensor(stripes_image(w=72, h=72))
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    start = lambda s: engine.initial_image(s, photo, g(), [painting], job, (1.0,))  # noqa: E731
    plain = start(Settings(region_tone=0.0))
    regions = start(Settings(region_tone=1.0, region_hue=1.0))
    assert float((regions - plain).abs().mean()) > 0.01
    painted = repaint.blended(job.net, job.match_layers[0], photo, [painting], (1.0,))
    assert torch.allclose(regions, repaint.by_region(plain, painted, repaint.segments(photo), 1.0, 1.0))
    noise = Settings(init="noise", region_tone=1.0)
    assert torch.equal(start(noise), engine.initial_image(noise, photo, g(), [painting]))
    half = start(Settings(region_tone=0.5))
    assert torch.allclose(half, repaint.by_region(plain, painted, repaint.segments(photo), 0.5, 0.0))
