"""ONNX export and inference with ONNX Runtime, which runs these small networks several times
faster than PyTorch on a CPU (see docs/fast.md). The exported file keeps the training settings
in its metadata, so an .onnx model is as self-describing as a checkpoint."""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path

import torch

from ..errors import BrushworkError
from ..files import atomic_path
from .settings import TrainSettings

OPSET = 17


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def require_onnx():
    if not onnx_available():
        raise BrushworkError("the onnx runtime needs: pip install onnx onnxruntime")


def export(net, path, settings: TrainSettings = None) -> Path:
    """Write `net` as ONNX (dynamic batch, height and width; multiples of 4) to `path`, atomically."""
    require_onnx()
    import onnx

    p = Path(path)
    with atomic_path(p) as tmp:
        tmp = str(tmp)
        net = net.cpu().eval()
        axes = {0: "batch", 2: "height", 3: "width"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (torch.rand(1, 3, 64, 64),), tmp, dynamo=False, opset_version=OPSET,
                              input_names=["image"], output_names=["stylised"],
                              dynamic_axes={"image": axes, "stylised": axes})
        model = onnx.load(tmp)
        if settings is not None:
            onnx.helper.set_model_props(model, {"brushwork_settings": json.dumps(settings.to_dict())})
        onnx.save(model, tmp)
    return p


class OnnxRunner:
    """An ONNX Runtime session behind the same call as TorchRunner: tensor in, tensor out."""

    def __init__(self, path, threads: int = 0):
        require_onnx()
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for bad files
            raise BrushworkError(f"{path} is not a usable ONNX model ({str(e).splitlines()[0][:120]})") from None
        self.input = self.session.get_inputs()[0].name

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        from .apply import to_numpy
        return torch.from_numpy(self.session.run(None, {self.input: to_numpy(x)})[0])

    @classmethod
    def open(cls, path, threads: int = 0) -> tuple:
        """(runner, TrainSettings or None) for an exported .onnx file."""
        if not Path(path).is_file():
            raise BrushworkError(f"model not found: {path}")
        runner = cls(path, threads)
        props = runner.session.get_modelmeta().custom_metadata_map
        data = props.get("brushwork_settings")
        return runner, TrainSettings.from_dict(json.loads(data)) if data else None

    @classmethod
    def for_checkpoint(cls, path, net, settings, threads: int = 0) -> "OnnxRunner":
        """A runner for a checkpoint through its cached export beside it (MODEL.onnx), made or
        remade when missing or older than the checkpoint; a temporary one if that folder is read-only."""
        path = Path(path)
        cached = path.with_suffix(".onnx")
        if not cached.exists() or cached.stat().st_mtime < path.stat().st_mtime:
            if not os.access(path.parent, os.W_OK):
                cached = Path(tempfile.mkdtemp(prefix="brushwork-")) / cached.name
            export(net, cached, settings)
        return cls(cached, threads)
