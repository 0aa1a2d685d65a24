import torch

from brushwork import losses


def feats(seed, shape=(1, 4, 6, 5)):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def test_gram_shape_symmetry_and_normalisation():
    f = feats(0)
    g = losses.gram(f)
    assert g.shape == (1, 4, 4)
    assert torch.allclose(g, g.transpose(1, 2))
    assert torch.allclose(losses.gram(f, "classic"), g / 4)
    # averaging over positions: the Gram of a tiled image equals the original's
    assert torch.allclose(losses.gram(torch.cat([f, f], -1)), g, atol=1e-6)


def test_relative_distance_is_scale_free_and_zero_at_target():
    a, b = feats(1), feats(2)
    assert losses.distance(a, a) == 0
    assert torch.isclose(losses.distance(3 * a, 3 * b), losses.distance(a, b))
    assert not torch.isclose(losses.distance(3 * a, 3 * b, "classic"), losses.distance(a, b, "classic"))


def test_style_loss_is_zero_for_the_style_itself_and_positive_otherwise():
    style = {"x": feats(3), "y": feats(4, (1, 2, 3, 3))}
    for kind in ("gram", "moments", "gram+moments"):
        targets = losses.style_targets(style, kind)
        weights = {"x": 0.5, "y": 0.5}
        assert float(losses.style_loss(style, targets, weights)) < 1e-6
        other = {"x": feats(5), "y": feats(6, (1, 2, 3, 3))}
        assert float(losses.style_loss(other, targets, weights)) > 1e-3


def test_blend_targets_weights_each_style():
    t1 = losses.style_targets({"x": feats(7)}, "gram")
    t2 = losses.style_targets({"x": feats(8)}, "gram")
    only_first = losses.blend_targets([t1, t2], (1.0, 0.0))
    assert torch.allclose(only_first["x"]["gram"], t1["x"]["gram"])
    half = losses.blend_targets([t1, t2], (2.0, 2.0))
    assert torch.allclose(half["x"]["gram"], (t1["x"]["gram"] + t2["x"]["gram"]) / 2)


def test_content_and_tv_losses():
    a = feats(9)
    assert float(losses.content_loss({"c": a}, {"c": a})) == 0
    assert float(losses.content_loss({"c": a}, {"c": feats(10)})) > 0
    flat = torch.full((1, 3, 8, 8), 0.4)
    assert float(losses.tv_loss(flat)) == 0
    assert float(losses.tv_loss(torch.rand(1, 3, 8, 8))) > 0
