"""VGG-16 and VGG-19 (Simonyan & Zisserman 2014) in torchvision's state-dict format, with layers
named as in the style transfer papers: conv1_1, relu1_1, ..., pool5. Channel widths are read from
the state dict, so a small random dict with the same keys (as the tests write) builds a small VGG."""
from torch import nn

from .base import Backbone, LayerInfo, require_keys

# Convolutions per block; each block ends in a 2x2 pooling.
BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}


def feature_keys(arch: str) -> list:
    """torchvision's keys for the convolution weights, e.g. features.0.weight, in order."""
    keys, index = [], 0
    for convs in BLOCKS[arch]:
        for _ in range(convs):
            keys.append(f"features.{index}.weight")
            index += 2  # conv, relu
        index += 1  # pool
    return keys


class VGG(Backbone):
    def __init__(self, arch: str, state: dict, pooling: str = "max", path="weights"):
        super().__init__()
        keys = feature_keys(arch)
        require_keys(state, keys + [k.replace("weight", "bias") for k in keys], f"torchvision {arch}", path)
        pool = nn.MaxPool2d if pooling == "max" else nn.AvgPool2d
        key_iter, stride, in_ch = iter(keys), 1, 3
        for b, convs in enumerate(BLOCKS[arch], start=1):
            for k in range(1, convs + 1):
                key = next(key_iter)
                weight, bias = state[key], state[key.replace("weight", "bias")]
                out_ch = weight.shape[0]
                if weight.shape[1:] != (in_ch, 3, 3):
                    from ..errors import BrushworkError
                    raise BrushworkError(f"{path}: {key} has shape {tuple(weight.shape)}, expected (*, {in_ch}, 3, 3)")
                conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)
                conv.weight.data.copy_(weight)
                conv.bias.data.copy_(bias)
                self._add(f"conv{b}_{k}", conv, out_ch, stride)
                self._add(f"relu{b}_{k}", nn.ReLU(), out_ch, stride)
                in_ch = out_ch
            stride *= 2
            self._add(f"pool{b}", pool(2, 2), in_ch, stride)
        self.default_content = ("relu4_2",)
        self.default_style = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")

    def _add(self, name, module, channels, stride):
        self.stages.append(module)
        self.info.append(LayerInfo(name, channels, stride))
