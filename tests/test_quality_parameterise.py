import pytest
import torch

from brushwork import losses, parameterise
from brushwork.images import rgb_to_yiq


@pytest.mark.parametrize("octaves,gain", [(1, 1.0), (2, 1.0), (4, 0.3)])
def test_full_resolution_chroma_decodes_back_to_the_image(octaves, gain):
    x = torch.rand(1, 3, 37, 50, generator=torch.Generator().manual_seed(0))
    params = parameterise.encode(x, octaves, 1.0, gain)
    assert len(params) == (1 if octaves == 1 else octaves + 1)
    assert torch.allclose(parameterise.decode(params, x.shape[-2:], gain), x, atol=1e-5)


def test_low_resolution_chroma_cannot_hold_colour_speckle():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(1, 3, 64, 64, generator=g)  # full of colour noise
    params = parameterise.encode(x, 3, 4.0)
    assert params[-1].shape[-2:] == (16, 16)
    raw = rgb_to_yiq(x)[:, 1:]
    params[-1] = torch.randn(params[-1].shape, generator=g) * raw.std()  # any chroma the optimiser could reach
    chroma = rgb_to_yiq(parameterise.decode(params, x.shape[-2:]))[:, 1:]

    def fine_share(c):  # pixel-to-pixel detail over all variation
        fine = c - torch.nn.functional.avg_pool2d(c, 3, 1, 1, count_include_pad=False)
        return float(fine.pow(2).mean() / c.var())
    assert fine_share(chroma) < 0.1 * fine_share(raw)


def test_a_coarse_coefficient_moves_a_whole_region():
    x = torch.full((1, 3, 32, 32), 0.5)
    params = parameterise.encode(x, 3)
    params[2] = params[2].clone()
    params[2][..., 2, 2] += 0.2  # one coefficient of the coarsest octave (8x8)
    moved = (parameterise.decode(params, x.shape[-2:]) - x).abs().sum(1)[0] > 1e-3
    assert moved.sum() >= 16  # at least a 4x4 block of pixels, not one


def test_colour_loss_is_zero_for_the_same_palette_and_grows_as_it_drifts():
    g = torch.Generator().manual_seed(2)
    style = torch.rand(1, 3, 20, 30, generator=g)
    d = losses.colour_directions()
    t = losses.colour_targets(style, d)
    shuffled = style.flatten(2)[..., torch.randperm(600, generator=g)].reshape(style.shape)
    assert float(losses.colour_loss(shuffled, t, d)) < 1e-10  # same pixels anywhere: same palette
    near, far = style * 0.9, style * 0.5
    assert 0 < float(losses.colour_loss(near, t, d)) < float(losses.colour_loss(far, t, d))


def test_colour_loss_compares_images_of_different_sizes():
    d = losses.colour_directions()
    t = losses.colour_targets(torch.full((1, 3, 10, 10), 0.2), d)
    assert float(losses.colour_loss(torch.full((1, 3, 7, 13), 0.2), t, d)) < 1e-10
    assert float(losses.colour_loss(torch.full((1, 3, 7, 13), 0.6), t, d)) > 0


def _stripes(h=48, w=48, period=6.0):
    x = torch.arange(w, dtype=torch.float32)
    row = 0.5 + 0.4 * torch.sin(2 * torch.pi * x / period)
    return row.expand(1, 3, h, w).clone()


def test_stroke_statistics_tell_parallel_strokes_from_grain():
    grain = torch.rand(1, 3, 48, 48, generator=torch.Generator().manual_seed(3))
    parallel, isotropic = losses.stroke_statistics(_stripes()), losses.stroke_statistics(grain)
    assert parallel.shape == (1, len(losses.STROKE_SIGMAS))
    assert (parallel > 0.9).all() and (isotropic < 0.7).all()


def test_minimising_the_stroke_loss_aligns_grain_into_strokes():
    x = torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(4)).requires_grad_(True)
    target = losses.stroke_statistics(_stripes(40, 40))
    before = float(losses.stroke_loss(x.detach(), target))
    opt = torch.optim.Adam([x], lr=0.01)
    for _ in range(60):
        opt.zero_grad()
        losses.stroke_loss(x, target).backward()
        opt.step()
    assert float(losses.stroke_loss(x.detach(), target)) < 0.5 * before


def test_palette_transfer_gives_the_photo_the_paintings_colour_distribution():
    from brushwork.images import match_colour, transfer_palette
    g = torch.Generator().manual_seed(5)
    photo = torch.rand(1, 3, 24, 24, generator=g) ** 2  # skewed towards dark
    painting = torch.rand(1, 3, 30, 20, generator=g) ** 0.5  # skewed towards light

    def gap(x):  # mean gap between sorted values along each channel, sizes resampled
        a = torch.sort(x.flatten(2)[0], 1)[0]
        b = torch.sort(painting.flatten(2)[0], 1)[0]
        b = torch.nn.functional.interpolate(b[None], size=a.shape[1], mode="linear", align_corners=True)[0]
        return float((a - b).abs().mean())
    out = transfer_palette(photo, painting)
    assert out.shape == photo.shape
    assert gap(out) < 0.5 * gap(match_colour(photo, painting)) < gap(photo)


def test_range_loss_is_zero_inside_the_saved_range_and_pulls_excursions_back():
    inside = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(6))
    assert float(losses.range_loss(inside)) == 0
    x = (inside * 1.6 - 0.3).requires_grad_(True)  # shadows below 0, highlights above 1
    loss = losses.range_loss(x)
    loss.backward()
    assert float(loss) > 0
    out_low, out_high = x.detach() < 0, x.detach() > 1
    assert (x.grad[out_low] < 0).all() and (x.grad[out_high] > 0).all()  # descent moves them inwards
    assert (x.grad[~(out_low | out_high)] == 0).all()


def test_tonal_start_paints_each_brightness_in_the_paintings_colour_and_keeps_the_photos_light_and_shade():
    from brushwork.images import paint_by_luminance, rgb_to_yiq
    g = torch.Generator().manual_seed(8)
    ramp = torch.linspace(0, 1, 32)
    # the painting: dark parts blue, bright parts orange; the photo: a blue sky over grey ground
    dark_blue, orange = torch.tensor([0.05, 0.1, 0.4]), torch.tensor([1.0, 0.6, 0.2])
    t = ramp.repeat(32, 1)[None, None]
    painting = (1 - t) * dark_blue[None, :, None, None] + t * orange[None, :, None, None]
    photo = torch.empty(1, 3, 20, 24)
    photo[..., :10, :] = torch.tensor([0.5, 0.7, 1.0])[:, None, None]  # bright blue sky
    photo[..., 10:, :] = 0.25 + 0.1 * torch.rand(1, 1, 10, 24, generator=g)  # darker, grey ground
    out = paint_by_luminance(photo, painting)
    assert out.shape == photo.shape and 0 <= float(out.min()) and float(out.max()) <= 1
    sky, ground = out[0, :, :10].mean((1, 2)), out[0, :, 10:].mean((1, 2))
    assert sky[0] > sky[2] + 0.2  # the bright sky is painted orange (red over blue), not blue
    assert ground[2] > ground[0]  # the dark ground takes the painting's dark blue
    y_in, y_out = rgb_to_yiq(photo)[0, 0].flatten(), rgb_to_yiq(out)[0, 0].flatten()
    order = torch.argsort(y_in)
    assert (y_out[order].diff() >= -1e-4).all()  # brighter in the photo is never darker in the start


def test_tonal_start_keeps_the_photos_colour_contrasts_within_a_brightness_when_asked():
    from brushwork.images import paint_by_luminance, rgb_to_yiq
    g = torch.Generator().manual_seed(9)
    painting = torch.rand(1, 3, 40, 40, generator=g)  # every brightness holds many colours
    photo = torch.empty(1, 3, 16, 16)
    photo[..., :, :8] = torch.tensor([0.7, 0.3, 0.3])[:, None, None]  # red roof
    photo[..., :, 8:] = torch.tensor([0.3, 0.45, 0.75])[:, None, None] * 0.4196 / 0.4392  # blue wall, as bright
    photo += 0.02 * torch.rand(1, 1, 16, 16, generator=g)  # the same shading in both: the same brightness bands

    def chroma_gap(x):
        iq = rgb_to_yiq(x)[0, 1:]
        return float((iq[:, :, :8].mean((1, 2)) - iq[:, :, 8:].mean((1, 2))).norm())
    kept, flat = paint_by_luminance(photo, painting, keep=1.0), paint_by_luminance(photo, painting, keep=0.0)
    assert chroma_gap(kept) > 0.05 > chroma_gap(flat) * 3


def _flat_left_busy_right(h=32, w=64):
    x = torch.full((1, 3, h, w), 0.5)
    x[..., w // 2:] = torch.rand(1, 1, h, w // 2, generator=torch.Generator().manual_seed(11)).expand(1, 3, h, w // 2)
    return x


def test_detail_gain_is_low_where_the_image_is_flat_and_high_where_it_is_busy():
    x = _flat_left_busy_right()
    gain = parameterise.detail_gain(x, 1.0)
    assert gain.shape == (1, 1, 32, 64)
    lo, hi = parameterise.DETAIL_RANGE
    assert float(gain[..., :20].max()) == pytest.approx(lo)  # flat, well away from the edge: the floor
    assert float(gain[..., 44:].min()) > 1.0  # busier than the mean
    assert float(gain.max()) <= hi
    steeper = parameterise.detail_gain(x, 2.0)
    assert float(steeper[..., 44:].mean()) > float(gain[..., 44:].mean())  # the power sharpens the contrast
    assert torch.allclose(parameterise.detail_gain(x, 0.0), torch.ones(1, 1, 32, 64))  # power 0: uniform
    flat = torch.full((1, 3, 32, 64), 0.4)
    assert torch.equal(parameterise.detail_gain(flat, 1.0), torch.ones(1, 1, 32, 64))  # nothing to follow: uniform


def test_a_gain_map_decodes_back_to_the_image_and_scales_the_finest_octave_where_it_is_low():
    x = _flat_left_busy_right()
    gain = parameterise.detail_gain(x, 1.0)
    params = parameterise.encode(x, 3, 1.0, gain)
    assert torch.allclose(parameterise.decode(params, x.shape[-2:], gain), x, atol=1e-5)
    step = [torch.zeros_like(p) for p in params]
    step[0] = torch.full_like(params[0], 0.01)  # the same step on every finest coefficient
    moved = (parameterise.decode([p + d for p, d in zip(params, step)], x.shape[-2:], gain) - x).abs()[:, 0]
    assert float(moved[..., :20].mean()) < 0.5 * float(moved[..., 44:].mean())  # a flat area moves less
