"""The web maps' scripts and styles, vendored for offline use.

The web maps' scripts and style sheets (Leaflet, jQuery, Leaflet.markercluster) vendored as package data in
``web_assets/``: inlined into an exported HTML map, or served by the app, so no map needs the internet
(basemap tiles apart).
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

ASSETS_DIR = Path(__file__).with_name("web_assets")
MANIFEST = ASSETS_DIR / "ASSETS.json"
_ASSET_TAGS = re.compile(r'<script src="(https?://[^"]+)"></script>|<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\((['"]?)([^)'"#:]+)\1\)""")  # relative url(...) of a style sheet (no data:, #, http:)


@lru_cache(maxsize=1)
def manifest() -> dict:
    """``web_assets/ASSETS.json``: per npm package its version, tarball, licence and files (path, size, SHA-256, the
    CDN URL the file replaces)."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def vendored() -> dict[str, str]:
    """CDN URL -> path of its local copy, relative to :data:`ASSETS_DIR`."""
    return {f["replaces"]: f["path"] for p in manifest()["packages"] for f in p["files"] if f["replaces"]}


def check_files() -> list[str]:
    """Problems of the vendored files against the manifest (missing, size or SHA-256 differs, licence missing)."""
    problems = []
    for package in manifest()["packages"]:
        if not (ASSETS_DIR / package["licence_file"]).is_file():
            problems.append(f"{package['name']}: licence file {package['licence_file']} missing")
        for item in package["files"]:
            path = ASSETS_DIR / item["path"]
            if not path.is_file():
                problems.append(f"{item['path']} missing")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != item["sha256"]:
                problems.append(f"{item['path']} differs from {package['npm']} (SHA-256)")
    return problems


def external_assets(page: str) -> list[str]:
    """URLs of the scripts and style sheets a rendered page still loads from the web."""
    return [m.group(1) or m.group(2) for m in _ASSET_TAGS.finditer(page)]


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def style_sheet(path: Path) -> str:
    """A vendored style sheet with the images it refers to (``url(images/...)``) embedded as data URIs."""
    def embed(match):
        image = path.parent / match.group(2)
        return f"url({_data_uri(image)})" if image.is_file() else match.group(0)

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


def inline_assets(page: str) -> tuple[str, list[str]]:
    """Inline every script and style sheet of ``page`` that is vendored; returns the page and the URLs left external
    (none for the maps of :mod:`zorgzones.maps`, so the page then works offline apart from basemap tiles)."""
    local = vendored()
    missing = []

    def replace(match):
        url = match.group(1) or match.group(2)
        if url not in local:
            missing.append(url)
            return match.group(0)
        path = ASSETS_DIR / local[url]
        if match.group(1):
            return "<script>" + path.read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"
        return "<style>" + style_sheet(path).replace("</style", "<\\/style") + "</style>"

    return _ASSET_TAGS.sub(replace, page), missing


def serve_locally(fmap, base_url: str) -> list[str]:
    """Point the scripts and style sheets of ``fmap`` and of every element in it (``default_js``/``default_css``, the
    lists streamlit-folium loads) at ``base_url`` + the vendored file, e.g. where an app serves :data:`ASSETS_DIR`.
    Idempotent; returns the URLs that are not vendored and so still load from the web."""
    local = vendored()
    base = base_url if base_url.endswith("/") else base_url + "/"
    left: list[str] = []
    stack = [fmap]
    while stack:
        element = stack.pop()
        for attribute in ("default_js", "default_css"):
            links = getattr(element, attribute, None)
            if links:
                setattr(element, attribute, [(name, base + local[url] if url in local else url) for name, url in links])
                left.extend(url for _, url in links if url not in local and not url.startswith(base))
        stack.extend(getattr(element, "_children", {}).values())
    return list(dict.fromkeys(left))
