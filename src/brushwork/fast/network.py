"""The image transformation network of Johnson et al. 2016 ("Perceptual Losses for Real-Time
Style Transfer and Super-Resolution"), with instance normalisation (Ulyanov et al. 2016,
"Instance Normalization: The Missing Ingredient for Fast Stylization").

Its shape is an `Arch`: the original (32/64/128 channels, 5 residual blocks, 9x9 end convolutions)
and cheaper variants with fewer channels, depthwise-separable convolutions (Howard et al. 2017,
MobileNets) and smaller end kernels, which are what make real-time CPU use possible."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import BrushworkError, suggest


@dataclass(frozen=True)
class Arch:
    channels: tuple = (32, 64, 128)  # widths at full, 1/2 and 1/4 resolution
    blocks: int = 5  # residual blocks at 1/4 resolution
    end_kernel: int = 9  # kernel of the first and last convolutions
    separable: bool = False  # depthwise-separable convolutions inside the network


ARCHS = {
    "johnson": Arch(),
    "johnson-w8": Arch((8, 16, 32)),
    "light": Arch((16, 32, 64), 5, 3, True),
    "fast": Arch((8, 16, 32), 5, 3, True),
    "tiny": Arch((8, 16, 32), 3, 3, True),
}
DEFAULT_ARCH = "light"  # what `brushwork train` trains (docs/fast.md: it keeps more of the photo in 20 minutes)


def arch(name: str) -> Arch:
    if name not in ARCHS:
        raise BrushworkError(f"unknown architecture '{name}'" + suggest(name, ARCHS))
    return ARCHS[name]


class ConvLayer(nn.Module):
    """Reflection-padded convolution (Johnson et al. pad by reflection to avoid border artefacts);
    separable: a depthwise k x k convolution followed by a 1x1 pointwise one (MobileNets)."""

    def __init__(self, cin, cout, k, stride=1, separable=False):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        if separable and cin > 3:
            self.conv = nn.Sequential(nn.Conv2d(cin, cin, k, stride, groups=cin, bias=False),
                                      nn.Conv2d(cin, cout, 1))
        else:
            self.conv = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        return self.conv(self.pad(x))


class ConvNormReLU(nn.Sequential):
    """Convolution, instance normalisation with learnt affine (Ulyanov et al.), ReLU."""

    def __init__(self, cin, cout, k, stride=1, separable=False, relu=True):
        layers = [ConvLayer(cin, cout, k, stride, separable), nn.InstanceNorm2d(cout, affine=True)]
        super().__init__(*layers, *([nn.ReLU(inplace=True)] if relu else []))


class ResidualBlock(nn.Module):
    """Two 3x3 conv + instance norm layers with an identity skip (Johnson et al., supplement)."""

    def __init__(self, c, separable=False):
        super().__init__()
        self.body = nn.Sequential(ConvNormReLU(c, c, 3, 1, separable), ConvNormReLU(c, c, 3, 1, separable, False))

    def forward(self, x):
        return x + self.body(x)


class UpsampleConv(nn.Module):
    """Nearest-neighbour 2x upsampling then a convolution: in place of Johnson et al.'s fractionally
    strided convolutions, it avoids checkerboard artefacts (Odena et al. 2016)."""

    def __init__(self, cin, cout, k, separable=False):
        super().__init__()
        self.conv = ConvNormReLU(cin, cout, k, 1, separable)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class TransformerNet(nn.Module):
    """RGB in 0..1 (B, 3, H, W) -> RGB in 0..1, same size. H and W should be multiples of 4
    (`pad_to_4` in apply.py handles other sizes)."""

    def __init__(self, spec: Arch = Arch()):
        super().__init__()
        c1, c2, c3 = spec.channels
        k, sep = spec.end_kernel, spec.separable
        self.spec = spec
        self.down = nn.Sequential(ConvNormReLU(3, c1, k), ConvNormReLU(c1, c2, 3, 2, sep),
                                  ConvNormReLU(c2, c3, 3, 2, sep))
        self.res = nn.Sequential(*[ResidualBlock(c3, sep) for _ in range(spec.blocks)])
        self.up = nn.Sequential(UpsampleConv(c3, c2, 3, sep), UpsampleConv(c2, c1, 3, sep))
        self.out = ConvLayer(c1, 3, k)

    def forward(self, x):
        y = self.out(self.up(self.res(self.down(x))))
        return torch.sigmoid(y)


def build(spec) -> TransformerNet:
    """A network from an Arch, an Arch's dict (as stored in checkpoints) or an architecture name."""
    if isinstance(spec, str):
        spec = arch(spec)
    elif isinstance(spec, dict):
        spec = Arch(**{**spec, "channels": tuple(spec["channels"])})
    return TransformerNet(spec)


def arch_dict(spec: Arch) -> dict:
    return {**asdict(spec), "channels": list(spec.channels)}
