"""Named bundles of settings. `brushwork` is this project's own offline default; the others
reproduce the systems brushwork descends from so users can compare like with like."""
from .errors import BrushworkError, suggest
from .settings import Settings
from .terms import TERMS

# What the original systems all did: optimise plain pixels. A reproduction preset starts from this
# and names the loss terms it uses in `terms`; every other term of terms.py is switched off, so a
# term that brushwork adds later never leaks into a reproduction.
CLASSIC = dict(octaves=1, fine_gain=1.0, detail_follow=0.0, chroma_factor=1.0, start_colour=1.0, region_tone=0.0)

PRESETS = {
    "brushwork": {},
    # deeplearning4j style transfer example: VGG-16, Adam, 0.9 content + 0.1 noise, 224 px.
    "dl4j": dict(
        **CLASSIC, terms=("content", "style"), backbone="vgg16", content_layers=("conv4_2",),
        style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_2", "conv5_1"),
        style_layer_weights=(0.5, 1.0, 1.5, 3.0, 4.0),
        content_weight=0.025, style_weight=5.0, style_loss="gram", loss_normalisation="classic",
        optimizer="adam", learning_rate=2.0 / 255, adam_beta1=0.8, adam_beta2=0.999,
        init="mix", noise_ratio=0.1, size=224, iterations=1000, snapshot_every=5, scales=1,
    ),
    # SignalPop AI Designer: VGG-19, conv1_1..conv5_1 at 0.2 each, L-BFGS, about 200 iterations.
    "signalpop": dict(
        **CLASSIC, terms=("content", "style"), backbone="vgg19", content_layers=("conv4_2",),
        style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
        style_layer_weights=(0.2, 0.2, 0.2, 0.2, 0.2),
        content_weight=0.6,  # brushwork's default when the preset was written; pinned so it stays what it was
        style_loss="gram", loss_normalisation="classic", optimizer="lbfgs", learning_rate=1.0, init="content", size=640, iterations=200, scales=1,
    ),
    # jcjohnson/neural-style defaults, the classic reference implementation.
    "neural-style": dict(
        **CLASSIC, terms=("content", "style", "tv"), backbone="vgg19", content_layers=("relu4_2",),
        style_layers=("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"), style_layer_weights=None,
        content_weight=5.0, style_weight=100.0, tv_weight=1e-3, style_loss="gram", loss_normalisation="classic",
        optimizer="lbfgs", learning_rate=1.0, init="noise", size=512, iterations=1000, scales=1,
    ),
}


def preset_fields(name: str) -> dict:
    """The Settings fields a preset sets, its unused loss terms' weights at 0 included."""
    if name not in PRESETS:
        raise BrushworkError(f"unknown preset '{str(name)[:40]}'" + suggest(str(name)[:100], PRESETS))
    changes = dict(PRESETS[name])
    used = changes.pop("terms", None)
    if used is not None:
        changes = {**{t.weight: 0.0 for t in TERMS if t.name not in used}, **changes}
    return changes


def preset(name: str, **overrides) -> Settings:
    """Settings for a named preset, with any field overridden."""
    return Settings(**{**preset_fields(name), **overrides}).validate()
