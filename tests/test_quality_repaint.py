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
    plain = start(Settings(), None)
    assert torch.equal(start(Settings(repaint=0.0)), plain)  # off: the start as before
    painted = repaint.blended(job.net, job.match_layers[0], photo, [painting], (1.0,))
    assert torch.allclose(start(Settings(repaint=1.0)), painted)
    assert torch.allclose(start(Settings(repaint=0.5)), (plain + painted) / 2, atol=1e-6)
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
