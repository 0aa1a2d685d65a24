"""The settings form, generated from the Settings dataclass, and the parsing of what it sends."""
from __future__ import annotations

import json
from dataclasses import fields

from ..backbones import BACKBONES
from ..errors import BrushworkError
from ..presets import PRESETS, preset, preset_fields
from ..settings import Settings, field_type

GROUP_ORDER = ("image", "style", "optimiser", "network", "reporting")
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
    try:
        overrides = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise BrushworkError(f"settings must be a JSON object ({e.msg} at character {e.pos})") from None
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
    return settings


def stored_settings(settings: Settings) -> dict:
    """The settings as kept with a job: server paths left out."""
    return {**settings.to_dict(), "weights": None, "init_image": None}
