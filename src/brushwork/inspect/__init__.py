"""Inside the network: what each layer of a backbone sees (receptive fields, the model map with
the loss nodes a Settings attaches, the image patches that excite single units, feature maps,
and reconstructions from one layer's features or Gram matrices, as in Gatys et al. Fig. 1)."""
from .geometry import Field, backbone_fields, receptive_fields

__all__ = ["Field", "backbone_fields", "receptive_fields"]
