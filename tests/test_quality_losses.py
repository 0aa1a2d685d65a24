"""The loss options added while tuning the default recipe (docs/quality.md): activation
smoothing before the Gram matrix and the Gaussian 2-Wasserstein (mean and covariance) style loss."""
import pytest
import torch

from brushwork import losses


def feats(seed, shape=(1, 6, 7, 5)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("kind", ["softmax", "softmax-space"])
def test_smoothing_is_positive_with_mean_one_and_keeps_order(kind):
    f = feats(0) * 5
    s = losses.smooth(f, kind)
    assert s.shape == f.shape and float(s.min()) > 0
    assert torch.isclose(s.mean(), torch.tensor(1.0))
    dim = 1 if kind == "softmax" else -1  # a monotone transform along the softmax axis
    assert torch.equal(f.argmax(dim), s.argmax(dim))
    assert losses.smooth(f, "none") is f


def test_smoothing_tames_a_peaky_channel():
    f = feats(1)
    f[:, 0] *= 50  # one channel with huge activations dominates the plain Gram matrix
    plain = losses.gram(f)[0]
    smoothed = losses.gram(losses.smooth(f, "softmax"))[0]
    share = lambda g: float(g[0, 0] / g.diagonal().sum())  # noqa: E731
    assert share(smoothed) < share(plain)


@pytest.mark.parametrize("smoothing", ["none", "softmax", "softmax-space"])
def test_smoothed_style_loss_is_zero_for_identical_features_and_positive_otherwise(smoothing):
    style = {"x": feats(2), "y": feats(3, (1, 4, 3, 3))}
    weights = {"x": 0.5, "y": 0.5}
    targets = losses.style_targets(style, "gram", smoothing=smoothing)
    assert float(losses.style_loss(style, targets, weights, smoothing=smoothing)) < 1e-6
    other = {"x": feats(4), "y": feats(5, (1, 4, 3, 3))}
    assert float(losses.style_loss(other, targets, weights, smoothing=smoothing)) > 1e-4


def test_wasserstein_is_zero_at_the_target_and_grows_with_a_shift_and_a_stretch():
    f = feats(6, (1, 5, 16, 16))
    target = losses.style_targets({"x": f}, "wasserstein")["x"]
    at = lambda g: float(losses.wasserstein(*losses.covariance(g), target))  # noqa: E731
    assert abs(at(f)) < 1e-4
    assert 1e-3 < at(f + 0.3) < at(f + 1.0)
    assert 1e-3 < at(f * 1.5) < at(f * 3.0)
    # relative normalisation: scaling both the image and the target leaves the loss unchanged
    scaled = losses.style_targets({"x": 4 * f}, "wasserstein")["x"]
    assert abs(float(losses.wasserstein(*losses.covariance(4 * f * 1.5), scaled)) - at(f * 1.5)) < 1e-3


def test_wasserstein_matches_the_closed_form_for_diagonal_gaussians():
    mean_t, std_t = torch.tensor([1.0, -2.0]), torch.tensor([2.0, 0.5])
    mean, std = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])
    target = {"w2_mean": mean_t[None], "cov": torch.diag(std_t ** 2)[None]}
    target["cov_sqrt"] = losses.sqrtm(target["cov"])
    d = losses.wasserstein(mean[None], torch.diag(std ** 2)[None], target, "classic") * 2  # classic: / C
    expected = (mean - mean_t).pow(2).sum() + (std - std_t).pow(2).sum()
    assert torch.isclose(d, expected, atol=1e-4)


def test_blending_wasserstein_targets_takes_the_root_of_the_blended_covariance():
    t1 = losses.style_targets({"x": feats(7)}, "wasserstein")
    t2 = losses.style_targets({"x": 3 * feats(8)}, "wasserstein")
    blend = losses.blend_targets([t1, t2], (1.0, 1.0))["x"]
    assert torch.allclose(blend["cov_sqrt"] @ blend["cov_sqrt"], blend["cov"], atol=1e-4)


@pytest.mark.parametrize("kind,smoothing", [("gram", "softmax"), ("wasserstein", "none"),
                                            ("gram+moments", "softmax-space")])
def test_style_loss_falls_when_optimising_a_tiny_image(kind, smoothing):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 8, 3, padding=1)  # a fixed random feature extractor
    features = lambda im: {"x": torch.relu(conv(im)) - 0.5}  # noqa: E731
    style = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        targets = losses.style_targets(features(style), kind, smoothing=smoothing)
    image = torch.full((1, 3, 12, 12), 0.5).add_(0.01 * torch.rand(1, 3, 12, 12)).requires_grad_(True)
    opt = torch.optim.Adam([image], lr=0.05)
    history = []
    for _ in range(15):
        opt.zero_grad()
        loss = losses.style_loss(features(image), targets, {"x": 1.0}, smoothing=smoothing)
        loss.backward()
        opt.step()
        history.append(float(loss.detach()))
    assert all(torch.isfinite(torch.tensor(history)))
    assert history[-1] < 0.7 * history[0]


def image(seed, shape=(1, 3, 24, 20)):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def test_patch_statistics_of_a_flat_colour_have_its_mean_and_no_spread():
    flat = torch.tensor([0.2, 0.5, 0.9]).view(1, 3, 1, 1).expand(1, 3, 12, 12)
    stats = losses.patch_statistics(flat, (1, 2))
    assert set(stats) == {1, 2}
    for s in stats.values():
        assert s["mean"].shape == (1, 27) and s["cov"].shape == (1, 27, 27)
        assert torch.allclose(s["mean"].view(3, 9), torch.tensor([0.2, 0.5, 0.9])[:, None].expand(3, 9))
        assert float(s["cov"].abs().max()) < 1e-6


def test_patch_covariance_sees_fine_texture_that_blurring_removes():
    noisy = image(0)
    blurred = torch.nn.functional.avg_pool2d(noisy, 3, 1, 1, count_include_pad=False)
    spread = lambda x: float(losses.patch_statistics(x, (1,))[1]["cov"].diagonal(dim1=1, dim2=2).sum())  # noqa: E731
    assert spread(blurred) < 0.5 * spread(noisy)


def test_strided_fine_patches_still_see_every_pixel():
    """At full resolution the patches are read at a stride (FINE_STRIDE) to halve the cost; each
    pixel must still fall in some patch, or a mark there would cost nothing."""
    assert losses.patch_stride(1) > 1 and losses.patch_stride(2) == 1
    for y in range(7):
        for x in range(9):
            im = torch.zeros(1, 3, 7, 9)
            im[..., y, x] = 1.0
            grad = torch.zeros_like(im).requires_grad_(True)
            stats = losses.patch_statistics(im + grad, (1,))
            stats[1]["mean"].sum().backward()
            assert float(grad.grad[0, 0, y, x]) > 0, (y, x)


def test_strided_fine_patch_statistics_stay_close_to_the_dense_ones():
    smooth = torch.nn.functional.avg_pool2d(image(3, (1, 3, 192, 192)), 5, 1, 2, count_include_pad=False)
    strided = losses.patch_statistics(smooth, (1,))[1]["cov"]
    patches = torch.nn.functional.unfold(smooth, losses.PATCH_SIZE)
    centred = patches - patches.mean(2, keepdim=True)
    dense = centred @ centred.transpose(1, 2) / patches.shape[2]
    assert float((strided - dense).norm() / dense.norm()) < 0.05


def test_patch_loss_is_zero_at_the_target_grows_with_the_difference_and_has_a_gradient():
    style = image(1)
    targets = losses.patch_statistics(style, losses.patch_scales(style))
    assert float(losses.patch_loss(style, targets)) < 1e-8
    near, far = style * 0.9 + 0.05, image(2) * 0.3
    assert 1e-4 < float(losses.patch_loss(near, targets)) < float(losses.patch_loss(far, targets))
    x = far.clone().requires_grad_(True)
    losses.patch_loss(x, targets).backward()
    assert float(x.grad.abs().sum()) > 0


def test_patch_scales_keep_only_factors_every_image_can_fill():
    big, small = image(3, (1, 3, 40, 40)), image(4, (1, 3, 9, 30))
    assert losses.patch_scales(big) == (1, 2, 4)
    assert losses.patch_scales(big, small) == (1, 2)  # 9 // 4 leaves less than a 3x3 patch
    assert losses.patch_scales(image(5, (1, 3, 2, 2))) == ()


def test_match_loss_is_zero_for_the_paintings_own_features_in_any_order_and_scale():
    painting = feats(3, (1, 6, 4, 5))
    targets = losses.feature_matches({"a": painting})
    shuffled = painting.flatten(2)[..., torch.randperm(20, generator=torch.Generator().manual_seed(0))]
    assert float(losses.match_loss({"a": shuffled.reshape(1, 6, 5, 4) * 3}, targets)) == pytest.approx(0, abs=1e-5)
    other = feats(4, (1, 6, 4, 5))
    assert float(losses.match_loss({"a": other}, targets)) > 0.1


def test_match_loss_asks_for_every_painting_feature_not_only_its_commonest():
    painting = feats(5, (1, 6, 2, 5))
    targets = losses.feature_matches({"a": painting})
    one = painting[..., :1, :1].expand(1, 6, 4, 4)  # the image uses only one of the painting's features
    forward_only = float((1 - losses._unit(one).transpose(1, 2) @ targets["a"]).min(2)[0].mean())
    assert forward_only == pytest.approx(0, abs=1e-5)  # each image feature has its match...
    assert float(losses.match_loss({"a": one}, targets)) > 0.1  # ...but the painting's others are unused


def test_match_loss_has_a_gradient_that_lowers_it():
    targets = losses.feature_matches({"a": feats(6), "b": feats(7, (1, 4, 3, 3))})
    x = {"a": feats(8).requires_grad_(True), "b": feats(9, (1, 4, 3, 3)).requires_grad_(True)}
    opt = torch.optim.Adam(list(x.values()), lr=0.05)
    first = None
    for _ in range(30):
        opt.zero_grad()
        loss = losses.match_loss(x, targets)
        first = float(loss.detach()) if first is None else first
        loss.backward()
        opt.step()
    assert float(losses.match_loss(x, targets)) < 0.7 * first
