"""The model map drawn as SVG: the backbone as a column of layer boxes (input at the top) and
the loss nodes beside the layers they read. Layer boxes carry data-layer="NAME" so a page can
make them clickable."""
from __future__ import annotations

from html import escape

from .netmap import LossNode, ModelMap, node_text

ROW, BOX_W, NODE_X, NODE_W, PAD, TOP = 26, 300, 390, 210, 12, 40
COLOURS = {"content": "#3b4cca", "style": "#d99a1e", "tv": "#6b7280", "chroma_tv": "#6b7280", "patch": "#9a4fb0",
           "colour": "#c2410c", "stroke": "#0f766e"}
OTHER = "#6b7280"  # any other image-level term


def _text(x, y, s, size=12, anchor="start", fill="#1f2330", weight="normal") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(s)}</text>')


def _layer(i: int, name: str, detail: str, field: str) -> str:
    y = PAD + TOP + i * ROW
    return (f'<g class="layer" data-layer="{escape(name)}"><title>{escape(name)}: {escape(detail)}, '
            f'receptive field {escape(field)}</title>'
            f'<rect x="{PAD}" y="{y}" width="{BOX_W}" height="{ROW - 6}" rx="4" fill="#eef0f8" stroke="#b8bfd8"/>'
            + _text(PAD + 8, y + 14, name, weight="bold") + _text(PAD + 120, y + 14, detail, 11, fill="#4b5163")
            + _text(PAD + BOX_W - 8, y + 14, field, 11, "end", "#4b5163") + "</g>")


def _node(i: int, slot: int, n: LossNode) -> tuple:
    """(the wire from the layer, the node): wires are drawn first so nodes sit on top of them."""
    y, x = PAD + TOP + i * ROW, NODE_X + slot * (NODE_W + 10)
    colour = COLOURS.get(n.kind, OTHER) if n.active else "#c4c7d0"
    dash = "" if n.active else ' stroke-dasharray="4 3"'
    wire = f'<path d="M{PAD + BOX_W} {y + 10} H{x}" fill="none" stroke="{colour}"{dash}/>'
    return wire, (f'<g class="loss {n.kind}"><title>{escape(n.kind)}: {escape(node_text(n))}</title>'
                  f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{ROW - 6}" rx="10" fill="white" '
                  f'stroke="{colour}" stroke-width="1.5"{dash}/>'
                  + _text(x + NODE_W / 2, y + 14, node_text(n), 11, "middle", colour) + "</g>")


def to_svg(m: ModelMap) -> str:
    rows = [("image", "3 ch  /1", "1 px", None)]
    rows += [(l.name, f"{l.channels} ch  /{l.stride}", f"{l.field} px", l.name) for l in m.layers]
    width = NODE_X + max(1, max(len(m.nodes_at(key)) for *_, key in rows)) * (NODE_W + 10) + PAD
    height = PAD * 2 + TOP + len(rows) * ROW
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="system-ui, sans-serif" class="model-map">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             _text(PAD, PAD + 12, m.backbone, 13, weight="bold"),
             _text(PAD, PAD + 30, "layer, channels / stride, receptive field", 11, fill="#4b5163"),
             _text(NODE_X, PAD + 30, "loss nodes (weight in the total loss)", 11, fill="#4b5163")]
    wires, nodes = [], []
    for i, (name, detail, field, key) in enumerate(rows):
        layer = _layer(i, name, detail, field)
        parts.append(layer.replace('class="layer"', 'class="layer input"') if key is None else layer)
        for wire, node in (_node(i, slot, n) for slot, n in enumerate(m.nodes_at(key))):
            wires.append(wire)
            nodes.append(node)
    return "\n".join(parts + wires + nodes + ["</svg>"]) + "\n"
