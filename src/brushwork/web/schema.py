"""The settings form, generated from the Settings dataclass, and the parsing of what it sends."""
from __future__ import annotations

import functools
import json
from dataclasses import fields

from ..backbones import BACKBONES, describe_layers
from ..errors import BrushworkError
from ..presets import PRESETS, preset, preset_fields
from ..settings import Settings, field_type

GROUP_ORDER = ("image", "style", "optimiser", "network", "reporting")
MAX_SETTINGS_CHARS = 100_000
# Fields naming files on the server: a web client must never choose those paths.
SERVER_PATHS = {
    "weights": "names a file on the server, so it cannot be set from the web studio (use the CLI)",
    "init_image": "is set by uploading a starting image (init = file), never as a server path",
}


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def settings_schema() -> dict:
    """Every Settings field with its type, default, help, group and choices, plus the presets
    (each as a complete settings dict) and the backbones."""
    out = []
    for f in fields(Settings):
        choices = f.metadata.get("choices")
        if f.name == "backbone":
            choices = tuple(BACKBONES)
        out.append({"name": f.name, "type": field_type(f), "default": _jsonable(f.default),
                    "help": f.metadata.get("help", ""), "group": f.metadata.get("group", "style"),
                    "choices": list(choices) if choices else None,
                    "nullable": f.default is None, "server_only": f.name in SERVER_PATHS,
                    "note": SERVER_PATHS.get(f.name)})
    groups = [g for g in GROUP_ORDER if any(f["group"] == g for f in out)]
    groups += sorted({f["group"] for f in out} - set(groups))
    return {"fields": out, "groups": groups,
            "presets": {name: preset(name).to_dict() for name in PRESETS},
            "preset_overrides": {name: {k: _jsonable(v) for k, v in preset_fields(name).items()}
                                 for name in PRESETS},
            "backbones": {name: spec.description for name, spec in BACKBONES.items()}}


def parse_settings(preset_name: str, raw: str, styles: int, has_init: bool) -> Settings:
    """Settings from a preset name and a JSON object of overrides (strings or JSON values).
    Raises BrushworkError with a message naming the problem."""
    if preset_name not in PRESETS:
        preset(preset_name)  # raises with a suggestion
    if len(raw or "") > MAX_SETTINGS_CHARS:
        raise BrushworkError(f"settings are {len(raw):,} characters of JSON; at most {MAX_SETTINGS_CHARS:,}")
    try:
        overrides = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise BrushworkError(f"settings must be a JSON object ({e.msg} at character {e.pos})") from None
    except RecursionError:
        raise BrushworkError("settings JSON is nested too deeply") from None
    if not isinstance(overrides, dict):
        raise BrushworkError("settings must be a JSON object of name: value")
    for name, why in SERVER_PATHS.items():
        if overrides.get(name) not in (None, ""):
            raise BrushworkError(f"{name} {why}")
        overrides.pop(name, None)
    data = {**preset(preset_name).to_dict(), **overrides}
    if data.get("init") == "file":
        if not has_init:
            raise BrushworkError("init 'file' needs a starting image: upload it as the 'init' file")
        data["init_image"] = "uploaded"  # replaced by the job's own file when it runs
    settings = Settings.from_dict(data)
    blend = settings.style_blend
    if blend and len(blend) != styles:
        raise BrushworkError(f"{styles} style image{'s' if styles != 1 else ''} but {len(blend)} blend weights")
    check_network(settings)
    return settings


def check_limits(settings: Settings, limits) -> Settings:
    """The server's own limits on top of the settings' checks."""
    if settings.iterations > limits.max_iterations:
        raise BrushworkError(f"iterations {settings.iterations} is more than this server runs per job "
                             f"(at most {limits.max_iterations:,}; see brushwork serve --max-iterations)")
    return settings


def check_network(settings: Settings) -> None:
    """An unknown backbone or layer is refused now, not when the job runs."""
    if settings.backbone not in BACKBONES:
        from ..backbones import spec
        spec(settings.backbone)  # raises with a suggestion
    known = layer_names(settings.backbone)
    for name in (*(settings.content_layers or ()), *(settings.style_layers or ())):
        if known is not None and name not in known:
            from ..errors import suggest
            raise BrushworkError(f"unknown layer '{name[:40]}' for {settings.backbone}" + suggest(name[:100], known)
                                 + f"; valid layers: {', '.join(known)}")


@functools.lru_cache(maxsize=None)
def layer_names(backbone: str):
    """The backbone's layer names, or None when they cannot be known without its weights."""
    try:
        return tuple(layer.name for layer in describe_layers(backbone)[0])
    except BrushworkError:
        return None


def stored_settings(settings: Settings) -> dict:
    """The settings as kept with a job: server paths left out."""
    return {**settings.to_dict(), "weights": None, "init_image": None}
