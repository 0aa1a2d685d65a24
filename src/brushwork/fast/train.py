"""Training a transformation network for one style (Johnson et al. 2016): the network repaints
random photo crops; a frozen brushwork backbone scores the result against the photo (content) and
the style image (style), and Adam updates the network."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch

from .. import images, terms, weights
from ..backbones import create_backbone
from ..engine import job_for, pick_device
from ..errors import BrushworkError, Cancelled
from . import checkpoint
from .apply import stylise_tensor
from .data import PhotoCrops
from .network import build
from .settings import TrainSettings


@dataclass
class TrainProgress:
    step: int  # 1-based
    total: int
    losses: dict = field(default_factory=dict)  # each active term, stability, total (weighted floats)
    checkpoint: Optional[Path] = None  # set on steps that saved one
    preview: Optional[Path] = None
    skipped: int = 0  # unreadable photos so far


def pick_backbone(s: TrainSettings) -> str:
    """'auto': VGG-16 when its weights are already on this machine, else the offline default."""
    if s.backbone != "auto":
        return s.backbone
    try:
        return "vgg16" if weights.locate("vgg16") else "efficientnet-lite0"
    except BrushworkError:
        return "efficientnet-lite0"


class PerceptualLoss:
    """Johnson et al.'s perceptual loss, composed from the same table of terms as stylize
    (brushwork.terms): content against each photo crop, style (and whichever of the other terms the
    settings weigh) against the style image, on a frozen backbone."""

    def __init__(self, s: TrainSettings, style: torch.Tensor, device):
        self.ctx = job_for(create_backbone(pick_backbone(s), s.weights, device=device), s)
        self.names = {t.name for t in terms.active(s)}
        crop = torch.zeros(1, 3, s.image_size, s.image_size, device=device)  # the photos' size, for the targets
        self.fixed = terms.build_targets(self.ctx, crop, [style], (1.0,))
        self.fixed.pop("content", None)

    def targets(self, x: torch.Tensor) -> dict:
        """This batch's targets: the crops' own features for content, the style's for the rest."""
        out = {k: batched(v, len(x)) if k == "style" else v for k, v in self.fixed.items()}
        if "content" in self.names:
            with torch.no_grad():
                out["content"] = self.ctx.net(x, self.ctx.content_layers)
        return out

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> dict:
        """{term: weighted loss} of the stylised batch y for the photo batch x (no total)."""
        out = terms.evaluate(self.ctx, y, self.targets(x))
        out.pop("total")
        return out


def batched(style_targets: dict, b: int) -> dict:
    """Style statistics repeated for a batch of b images, so relative losses stay per image."""
    return {k: {n: t.expand(b, *t.shape[1:]) for n, t in v.items()} for k, v in style_targets.items()}


def stability_term(net, x: torch.Tensor, y: torch.Tensor, weight: float) -> torch.Tensor:
    """Noise robustness (as in Gupta et al. 2017's stability loss): the output for a slightly
    noisy input should match the output for the clean one, which damps video flicker."""
    noisy = (x + 0.02 * torch.randn_like(x)).clamp(0, 1)
    return weight * (net(noisy) - y.detach()).pow(2).mean() * 100


def total_steps(s: TrainSettings, data: PhotoCrops) -> int:
    return s.epochs * data.steps_per_epoch() if s.epochs else s.steps


def load_style(s: TrainSettings, device) -> torch.Tensor:
    im = images.load_image(s.style_image, "style image")
    return images.to_tensor(images.resize_long(im, s.style_size or round(1.5 * s.image_size)), device)


def preview_photo(s: TrainSettings, data: PhotoCrops):
    """The fixed validation photo: the user's, else the first readable training photo."""
    if s.preview_image:
        return images.load_image(s.preview_image, "preview image")
    for path in data.files:
        im = data.load(path)
        if im is not None:
            return im
    return None


def save_preview(net, photo, output: Path, step: int, device) -> Optional[Path]:
    if photo is None:
        return None
    was_training = net.training
    net.eval()
    with torch.no_grad():
        out = stylise_tensor(net, images.to_tensor(images.resize_long(photo, 512), device))
    net.train(was_training)
    return images.save_image(images.to_image(out), output.with_name(f"{output.stem}-preview-{step:06d}.png"))


def train(s: TrainSettings, output, resume=None, progress: Optional[Callable] = None, cancel=None) -> Path:
    """Train (or, from a `resume` checkpoint, go on training) and write the model to `output`.
    Returns its path. `progress(TrainProgress)` is called after each step."""
    s = s.validate()
    output = Path(output)
    if not output.parent.is_dir():
        raise BrushworkError(f"output folder does not exist: {output.parent}")
    device = pick_device(s.device)
    if s.threads:
        torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    data = PhotoCrops(s.images, s.image_size, s.batch_size, s.seed)
    net = build(s.arch).to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=s.learning_rate)
    start = resume_from(resume, net, opt) if resume else 0
    loss = PerceptualLoss(s, load_style(s, device), device)
    photo, total = preview_photo(s, data), total_steps(s, data)
    last, deadline = {}, time.monotonic() + 60 * s.minutes if s.minutes else math.inf
    for step in range(start + 1, total + 1):
        if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
            checkpoint.save(output, net, s, step - 1, opt, last)
            raise Cancelled(None)
        last = train_step(net, opt, loss, data.batch().to(device), s)
        report = TrainProgress(step, total, last, skipped=len(data.skipped))
        if time.monotonic() > deadline:
            total = step
        if step == total or (s.checkpoint_every and step % s.checkpoint_every == 0):
            report.checkpoint = checkpoint.save(output, net, s, step, opt, last)
            report.preview = save_preview(net, photo, output, step, device)
        if progress:
            progress(report)
        if step == total:
            break
    if start >= total:
        checkpoint.save(output, net, s, start, opt, last)
    return output


def train_step(net, opt, loss: PerceptualLoss, x: torch.Tensor, s: TrainSettings) -> dict:
    opt.zero_grad(set_to_none=True)
    y = net(x)
    terms = loss(x, y)
    if s.stability_weight:
        terms["stability"] = stability_term(net, x, y, s.stability_weight)
    terms["total"] = sum(terms.values())
    terms["total"].backward()
    opt.step()
    out = {k: float(v.detach()) for k, v in terms.items()}
    if not math.isfinite(out["total"]):
        raise BrushworkError("the loss became non-finite: lower the learning rate or the loss weights")
    return out


def resume_from(path, net, opt) -> int:
    """Load weights and optimiser state from a checkpoint; the step it had reached."""
    data = checkpoint.read(path)
    try:
        net.load_state_dict(data["model"])
        if data.get("optimizer"):
            opt.load_state_dict(data["optimizer"])
    except (RuntimeError, ValueError) as e:
        raise BrushworkError(f"cannot resume from {path}: its network differs ({str(e).splitlines()[0]})") from None
    return int(data.get("step", 0))
