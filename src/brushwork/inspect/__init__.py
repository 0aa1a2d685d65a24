"""Inside the network: what each layer of a backbone sees (receptive fields, the model map with
the loss nodes a Settings attaches, the image patches that excite single units, feature maps,
and reconstructions from one layer's features or Gram matrices, as in Gatys et al. Fig. 1).
`brushwork inspect ...` and the studio's Inside the network panel are built on these."""
from .features import load_backbone
from .geometry import Field, backbone_fields, receptive_fields
from .maps import feature_maps
from .netmap import model_map, to_text
from .reconstruction import reconstruct
from .svgmap import to_svg
from .units import unit_patches

__all__ = ["Field", "backbone_fields", "feature_maps", "load_backbone", "model_map", "receptive_fields",
           "reconstruct", "to_svg", "to_text", "unit_patches"]
