"""The API docs page at /docs, drawn on the server from the OpenAPI schema: plain HTML with no
script and no third-party request, so it works with no network (FastAPI's own Swagger UI page
loads its code from a CDN)."""
from __future__ import annotations

from html import escape

STYLE = ("body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
         "code{background:#f2f2f2;padding:0 .3em;border-radius:3px}h2{margin-top:1.6em;font-size:1.05em}"
         "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:.2em .6em;"
         "text-align:left;vertical-align:top}.m{font-weight:bold;font-family:monospace}")


def docs_page(schema: dict) -> str:
    info = schema.get("info", {})
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(info.get('title', 'API'))}"
             f" API</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(info.get('title', 'API'))} {escape(str(info.get('version', '')))}</h1>",
             f"<p>{escape(info.get('description', ''))}</p>",
             "<p>The machine-readable schema is <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3); "
             "errors are JSON: <code>{\"error\": message, \"status\": code}</code>.</p>"]
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            parts.append(operation(method, path, op, schema))
    return "".join(parts) + "</body></html>"


def operation(method: str, path: str, op: dict, schema: dict) -> str:
    rows = [(p.get("name", ""), p.get("in", ""), p.get("description", "") or _default(p.get("schema", {})))
            for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        ref = content.get("schema", {}).get("$ref", "")
        props = _resolve(ref, schema).get("properties", {}) if ref else content.get("schema", {}).get("properties", {})
        rows += [(name, media, p.get("description", "") or _default(p)) for name, p in props.items()]
    table = "".join(f"<tr><td><code>{escape(n)}</code></td><td>{escape(w)}</td><td>{escape(str(d))}</td></tr>"
                    for n, w, d in rows)
    return (f"<h2><span class='m'>{escape(method.upper())}</span> <code>{escape(path)}</code></h2>"
            f"<p>{escape(op.get('summary', ''))}</p>" + (f"<table><tr><th>name</th><th>in</th><th>about</th></tr>"
                                                          f"{table}</table>" if rows else ""))


def _resolve(ref: str, schema: dict) -> dict:
    node = schema
    for key in ref.lstrip("#/").split("/"):
        node = node.get(key, {})
    return node


def _default(p: dict) -> str:
    return f"default: {p['default']}" if "default" in p else ""
