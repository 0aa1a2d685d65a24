"""VGG-16 and VGG-19 (Simonyan & Zisserman 2014) in torchvision's state-dict format, with layers
named as in the style transfer papers: conv1_1, relu1_1, ..., pool5. Channel widths are read from
the state dict, so a small random dict with the same keys (as the tests write) builds a small VGG."""
from torch import nn

from ..errors import BrushworkError
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


WIDTHS = (64, 128, 256, 512, 512)  # torchvision's channels per block


def layer_plan(arch: str, widths=WIDTHS) -> list:
    """[(name, kind, channels, stride)] for every stage, in order; kind is conv, relu or pool."""
    plan, stride = [], 1
    for b, (convs, width) in enumerate(zip(BLOCKS[arch], widths), start=1):
        for k in range(1, convs + 1):
            plan += [(f"conv{b}_{k}", "conv", width, stride), (f"relu{b}_{k}", "relu", width, stride)]
        stride *= 2
        plan.append((f"pool{b}", "pool", width, stride))
    return plan


class VGG(Backbone):
    default_content = ("relu4_2",)
    default_style = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    default_match = ("relu3_1", "relu4_1")

    def __init__(self, arch: str, state: dict, pooling: str = "max", path="weights"):
        super().__init__()
        keys = feature_keys(arch)
        require_keys(state, keys + [k.replace("weight", "bias") for k in keys], f"torchvision {arch}", path)
        convs = iter(keys)
        widths = [state[keys[sum(BLOCKS[arch][:b])]].shape[0] for b in range(5)]
        pool = nn.MaxPool2d if pooling == "max" else nn.AvgPool2d
        in_ch = 3
        for name, kind, channels, stride in layer_plan(arch, widths):
            if kind == "conv":
                module = self._conv(state, next(convs), in_ch, path)
                in_ch = module.out_channels
            else:
                module = nn.ReLU() if kind == "relu" else pool(2, 2)
            self.stages.append(module)
            self.info.append(LayerInfo(name, in_ch, stride))

    @staticmethod
    def _conv(state, key, in_ch, path):
        weight, bias = state[key], state[key.replace("weight", "bias")]
        if tuple(weight.shape[1:]) != (in_ch, 3, 3):
            raise BrushworkError(f"{path}: {key} has shape {tuple(weight.shape)}, expected (*, {in_ch}, 3, 3)")
        conv = nn.Conv2d(in_ch, weight.shape[0], 3, padding=1)
        conv.weight.data.copy_(weight)
        conv.bias.data.copy_(bias)
        return conv
