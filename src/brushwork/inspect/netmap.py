"""The model map: every layer of a backbone (name, channels, stride, receptive field) and the
loss nodes a Settings attaches to it (content, one style statistic per style layer with its
weight, total variation, chroma TV and the pixel-patch term), as data, text or SVG."""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Optional

from ..backbones import describe_layers
from ..errors import BrushworkError
from ..settings import Settings
from .geometry import backbone_fields, unknown_layer

STATISTIC = {"gram": "Gram", "moments": "moments", "gram+moments": "Gram+moments", "wasserstein": "W2"}


@dataclass(frozen=True)
class MapLayer:
    name: str
    channels: int
    stride: int
    field: int  # receptive field side in input pixels


@dataclass(frozen=True)
class LossNode:
    kind: str  # content, style, tv, chroma_tv or patch
    label: str
    weight: float  # the weight this term enters the total loss with
    layer: Optional[str] = None  # None: the node reads the image itself

    @property
    def active(self) -> bool:
        return self.weight > 0


@dataclass(frozen=True)
class ModelMap:
    backbone: str
    layers: tuple
    losses: tuple

    def to_dict(self) -> dict:
        return {"backbone": self.backbone, "layers": [asdict(l) for l in self.layers],
                "losses": [asdict(n) | {"active": n.active} for n in self.losses]}

    def nodes_at(self, layer: Optional[str]) -> list:
        return [n for n in self.losses if n.layer == layer]


@functools.lru_cache(maxsize=8)
def _described(name: str) -> tuple:
    infos, content, style = describe_layers(name)
    return tuple(infos), tuple(content), tuple(style)


def model_map(settings: Optional[Settings] = None) -> ModelMap:
    """The map of settings.backbone with the loss nodes `settings` attach (validated first)."""
    s = (settings or Settings()).validate()
    infos, content, style = _described(s.backbone)
    fields = backbone_fields(s.backbone)
    layers = tuple(MapLayer(i.name, i.channels, i.stride, fields[i.name].size) for i in infos)
    content, style = tuple(s.content_layers or content), tuple(s.style_layers or style)
    names = [l.name for l in layers]
    for name in content + style:
        if name not in names:
            raise BrushworkError(unknown_layer(name, s.backbone, names))
    return ModelMap(s.backbone, layers, loss_nodes(s, content, style))


def loss_nodes(s: Settings, content: tuple, style: tuple) -> tuple:
    weights = s.style_layer_weights or (1.0,) * len(style)
    total = sum(weights)
    statistic = STATISTIC[s.style_loss] + ("" if s.style_smoothing == "none" else f" ({s.style_smoothing})")
    nodes = [LossNode("content", "content", s.content_weight, name) for name in content]
    nodes += [LossNode("style", statistic, s.style_weight * w / total, name) for name, w in zip(style, weights)]
    from ..terms import TERMS  # the image-level terms attach to the image itself, whatever the table holds
    nodes += [LossNode(t.name, IMAGE_TERM_LABELS.get(t.name, t.name), getattr(s, t.weight))
              for t in TERMS if not t.features]
    return tuple(nodes)


IMAGE_TERM_LABELS = {"tv": "TV", "chroma_tv": "chroma TV", "patch": "3x3 pixel patches",
                     "colour": "palette (sliced Wasserstein)", "stroke": "stroke coherence",
                     "range": "0..1 range"}


def node_text(n: LossNode) -> str:
    return f"{n.label} x{n.weight:.3g}" if n.active else f"{n.label} (off)"


def to_text(m: ModelMap) -> str:
    """A table: one row per layer, the input image first, loss nodes at the right."""
    rows = [f"{m.backbone}: {len(m.layers)} layers; loss nodes: "
            f"{sum(n.active for n in m.losses)} active of {len(m.losses)}",
            f"{'layer':<12}{'channels':>9}{'stride':>8}{'field':>8}   loss nodes"]
    rows.append(f"{'image':<12}{3:>9}{1:>8}{1:>8}   " + ", ".join(node_text(n) for n in m.nodes_at(None)))
    for l in m.layers:
        nodes = ", ".join(node_text(n) for n in m.nodes_at(l.name))
        rows.append(f"{l.name:<12}{l.channels:>9}{l.stride:>8}{l.field:>8}   {nodes}".rstrip())
    return "\n".join(rows) + "\n"
