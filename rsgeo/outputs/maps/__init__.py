"""Interactive maps: a county overview and offline field-crew maps.

Both need folium (``pip install "rsgeo[maps]"``) and write self-contained
HTML pages: Leaflet is inlined, nothing is fetched from a CDN or a tile server
unless the user configures one. Military-land patches never appear.
"""

from __future__ import annotations

from rsgeo.outputs.maps.field import field_maps
from rsgeo.outputs.maps.overview import county_map

__all__ = ["county_map", "field_maps"]
