"""Self-contained HTML: inline Leaflet's script, style and images.

folium writes ``<script src="https://cdn...">`` and ``<link href="https://cdn...">``
tags. A map for a field crew in a valley without signal must not depend on
them, so rsgeo ships the files it needs (Leaflet 1.9.4, BSD-2-Clause; jQuery
3.7.1, MIT; licence texts beside them in ``rsgeo/maps/static``) and rewrites
the rendered page:

* Leaflet's script and style sheet are inlined, with the style sheet's
  images turned into ``data:`` URIs;
* jQuery is inlined only when the page calls it (folium's own popups do);
* folium's default Bootstrap / Font Awesome / awesome-markers links are
  dropped: rsgeo's maps do not use them;
* any other external script or style sheet is an error: rsgeo never
  downloads anything at run time, and a map that silently needs the network
  would fail in the field.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from typing import Any

from rsgeo.errors import InputError, format_problems

__all__ = [
    "STATIC_FILES",
    "OfflineError",
    "external_references",
    "inline_assets",
    "static_text",
]

STATIC_FILES: dict[str, str] = {
    "leaflet.js": "Leaflet 1.9.4 (BSD-2-Clause, LICENSE-leaflet.txt)",
    "leaflet.css": "Leaflet 1.9.4 (BSD-2-Clause, LICENSE-leaflet.txt)",
    "jquery.min.js": "jQuery 3.7.1 (MIT, LICENSE-jquery.txt)",
    "rsgeo-map.js": "rsgeo map controls (MIT)",
    "rsgeo-map.css": "rsgeo map controls (MIT)",
}
"""Files shipped in ``rsgeo/maps/static`` and where they come from."""

# Links folium adds to every map that rsgeo's maps do not need.
_DROPPED = (
    "bootstrap",
    "glyphicons",
    "fontawesome",
    "font-awesome",
    "awesome-markers",
    "awesome.rotate",
)

_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[\"']?[^>]*>\s*</script>", re.IGNORECASE
)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_CSS_IMPORT_URL = re.compile(r"@import\s+(?:url\()?\s*[\"']?(https?:)?//", re.IGNORECASE)
_JQUERY_CALL = re.compile(r"(?<![\w.$])(?:\$|jQuery)\s*\(")


class OfflineError(InputError):
    """A map would need the network (an external script or style sheet)."""


def _static_bytes(name: str) -> bytes:
    return resources.files("rsgeo.outputs.maps").joinpath("static", name).read_bytes()


@cache
def static_text(name: str) -> str:
    """Text of a file shipped in ``rsgeo/maps/static``.

    Examples
    --------
    >>> "Leaflet 1.9.4" in static_text("leaflet.js")
    True
    """
    text = _static_bytes(name).decode("utf-8")
    # The source maps are not shipped: drop the comment that points at them.
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)


def _data_uri(name: str) -> str:
    mime = "image/png" if name.endswith(".png") else "application/octet-stream"
    payload = base64.b64encode(_static_bytes(name)).decode("ascii")
    return f"data:{mime};base64,{payload}"


@cache
def _leaflet_css() -> str:
    css = static_text("leaflet.css")
    return re.sub(
        r"url\((?:['\"])?images/([\w.-]+\.png)(?:['\"])?\)",
        lambda m: f"url({_data_uri('images/' + m.group(1))})",
        css,
    )


@cache
def _leaflet_icon_fix() -> str:
    # Default markers look their images up relative to the style sheet; point
    # them at data URIs instead.
    return (
        "L.Icon.Default.imagePath='';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:'{_data_uri('images/marker-icon.png')}',"
        f"iconRetinaUrl:'{_data_uri('images/marker-icon-2x.png')}',"
        f"shadowUrl:'{_data_uri('images/marker-shadow.png')}'}});"
    )


def _script(text: str) -> str:
    # A literal "</script" inside would end the element early.
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def _style(text: str) -> str:
    return "<style>" + text.replace("</style", "<\\/style") + "</style>"


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(?:https?:)?//", url.strip(), re.IGNORECASE))


def external_references(html: str) -> list[str]:
    """URLs of every external script and style sheet a page loads.

    Looks at ``<script src>``, ``<link rel="stylesheet" href>`` (and any other
    ``<link href>`` to http(s)) and CSS ``@import``. An empty list means the
    page needs no network for its code and styles.

    Examples
    --------
    >>> external_references('<script src="https://x.org/a.js"></script><p>ok</p>')
    ['https://x.org/a.js']
    >>> external_references("<script>var a = 1;</script>")
    []
    """
    found = [m.group(1) for m in _SCRIPT_SRC.finditer(html) if _is_external(m.group(1))]
    for tag in _LINK_TAG.findall(html):
        href = _HREF.search(tag)
        if href and _is_external(href.group(1)):
            found.append(href.group(1))
    found += ["@import " + m.group(0) for m in _CSS_IMPORT_URL.finditer(html)]
    return found


def _classify(url: str) -> str:
    name = url.rsplit("/", 1)[-1].lower()
    low = url.lower()
    if re.fullmatch(r"leaflet(?:-src)?\.js", name):
        return "leaflet_js"
    if name == "leaflet.css":
        return "leaflet_css"
    if name.startswith("jquery") and name.endswith(".js"):
        return "jquery"
    if any(word in low for word in _DROPPED):
        return "drop"
    return "unknown"


def inline_assets(html: str, *, extra_head: str = "") -> str:
    """Rewrite a rendered folium page so that it needs no network.

    Parameters
    ----------
    html : str
        A complete page as written by ``folium.Map.save``.
    extra_head : str, optional
        Markup inserted at the start of ``<head>`` (before any script).

    Returns
    -------
    str
        The page with Leaflet (and jQuery when used) inlined.

    Raises
    ------
    OfflineError
        When the page loads another external script or style sheet (a folium
        plugin that fetches its code from a CDN, for example).

    Examples
    --------
    >>> page = (
    ...     '<html><head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">'
    ...     "</script></head><body></body></html>"
    ... )
    >>> out = inline_assets(page)
    >>> external_references(out), "Leaflet 1.9.4" in out
    ([], True)
    """
    uses_jquery = bool(_JQUERY_CALL.search(_SCRIPT_SRC.sub("", html)))
    problems: list[str] = []

    def script_sub(match: re.Match[str]) -> str:
        url = match.group(1)
        if not _is_external(url):
            return match.group(0)
        kind = _classify(url)
        if kind == "leaflet_js":
            return _script(static_text("leaflet.js")) + _script(_leaflet_icon_fix())
        if kind == "jquery":
            return _script(static_text("jquery.min.js")) if uses_jquery else ""
        if kind == "drop":
            return ""
        problems.append(f"script {url}")
        return match.group(0)

    def link_sub(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        if href is None or not _is_external(href.group(1)):
            return tag
        url = href.group(1)
        kind = _classify(url)
        if kind == "leaflet_css":
            return _style(_leaflet_css())
        if kind == "drop":
            return ""
        problems.append(f"style sheet {url}")
        return tag

    out = _SCRIPT_SRC.sub(script_sub, html)
    out = _LINK_TAG.sub(link_sub, out)
    if "L.AwesomeMarkers" in out:
        problems.append(
            "folium.Icon / awesome-markers (their fonts come from a CDN); "
            "use folium.CircleMarker or folium.DivIcon instead"
        )
    if problems:
        raise OfflineError(
            format_problems(
                f"The map needs the network for {len(problems)} asset(s); rsgeo writes "
                "offline maps only and never downloads at run time:",
                problems,
            )
        )
    if extra_head:
        out = re.sub(r"<head[^>]*>", lambda m: m.group(0) + extra_head, out, count=1)
    return out


@cache
def offline_figure_class() -> Any:
    """A ``branca.element.Figure`` subclass whose pages are offline.

    ``Map.save``, ``Map.get_root().render()`` and the Jupyter display
    (``_repr_html_``) all go through ``Figure.render``, so a map added to this
    figure is inlined wherever it is shown.
    """
    from branca.element import Figure

    class OfflineFigure(Figure):  # type: ignore[misc]
        """A branca Figure that renders self-contained (offline) pages."""

        rsgeo_payloads: dict[str, str] = {}  # noqa: RUF012 - replaced per figure

        def render(self, **kwargs: Any) -> str:
            out = inline_assets(super().render(**kwargs))
            for token, text in self.rsgeo_payloads.items():
                out = out.replace(token, text, 1)
            return out

    return OfflineFigure
