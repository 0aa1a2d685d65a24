"""brushwork: neural style transfer (Gatys et al.) as a library, a CLI and a web studio."""
from .engine import Progress, stylize
from .errors import BrushworkError, Cancelled
from .presets import PRESETS, preset
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["BrushworkError", "Cancelled", "PRESETS", "Progress", "Settings", "preset", "stylize"]
