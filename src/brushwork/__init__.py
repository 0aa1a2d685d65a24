"""brushwork: neural style transfer (Gatys et al.) as a library, a CLI and a web studio."""
import os

# The same seed and settings must give the same image. With more than one thread, MKL's matrix
# products may take different code paths from run to run (by memory alignment), and L-BFGS
# amplifies the last-bit differences into visibly different pictures; strict conditional
# numerical reproducibility fixes the path. Set before torch loads MKL; a user's value wins.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")
from .engine import Progress, stylize
from .errors import BrushworkError, Cancelled
from .presets import PRESETS, preset
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["BrushworkError", "Cancelled", "PRESETS", "Progress", "Settings", "preset", "stylize"]
