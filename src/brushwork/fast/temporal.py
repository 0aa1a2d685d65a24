"""Temporal consistency for video: blending with the previous stylised frame where the input
did not change, and the flicker ratio that measures how steady the output is."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import BrushworkError


class TemporalBlend:
    """Per-pixel blending with the previous output where the input changed less than `threshold`
    (mean absolute RGB change, smoothed over 5x5 pixels): out = m * previous + (1 - m) * new,
    m = smoothing * (1 - change / threshold). Static areas stop shimmering; moving ones follow the
    new frame, so there is little ghosting without optical flow."""

    def __init__(self, smoothing: float = 0.8, threshold: float = 0.08):
        if not 0 <= smoothing < 1:
            raise BrushworkError(f"smoothing must be in [0, 1), not {smoothing}")
        self.smoothing, self.threshold = smoothing, threshold
        self.prev_in = self.prev_out = None

    def __call__(self, frame: torch.Tensor, stylised: torch.Tensor) -> torch.Tensor:
        if self.prev_in is None or self.smoothing == 0 or self.prev_in.shape != frame.shape:
            out = stylised
        else:
            change = F.avg_pool2d((frame - self.prev_in).abs().mean(1, keepdim=True), 5, 1, 2)
            m = self.smoothing * (1 - change / self.threshold).clamp(0, 1)
            out = m * self.prev_out + (1 - m) * stylised
        self.prev_in, self.prev_out = frame, out
        return out


def mean_change(frames) -> float:
    """Mean absolute difference between consecutive frames (arrays or tensors, 0..1 or 0..255)."""
    diffs = [np.abs(np.asarray(b, np.float32) - np.asarray(a, np.float32)).mean()
             for a, b in zip(frames, frames[1:])]
    return float(np.mean(diffs)) if diffs else 0.0


def flicker_ratio(inputs, outputs) -> float:
    """Output frame-to-frame change over input frame-to-frame change (1: as steady as the input)."""
    return mean_change(outputs) / max(mean_change(inputs), 1e-8)
