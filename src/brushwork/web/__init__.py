"""The web studio: `brushwork serve` runs a FastAPI app (`create_app`) with a job queue, SQLite
history and a plain HTML/CSS/JS page shipped in static/. FastAPI is imported only when used, so
the rest of brushwork works without the web extras."""


def create_app(*args, **kwargs):
    from .app import create_app as make
    return make(*args, **kwargs)


__all__ = ["create_app"]
