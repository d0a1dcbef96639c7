"""A popup's pieces (rsgeo.outputs.maps._build.popup_parts): found token by token, they
are the pieces of the cutting rule written as a regular expression of look-arounds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.outputs.maps._build import _POPUP_CUTS, _popup_pieces, popup_parts
from rsgeo.outputs.maps.popup import patch_popup_html

_BITS = [
    "</tr>",
    "<tr>",
    "<td>",
    "</td>",
    "<th>",
    "；",
    'href="',
    '">',
    'rsgeo-geo-xy">',
    "</span>",
    "<span ",
    '"',
    ">",
    "<",
    "a",
    "违法",
    " ",
]


def _by_rule(text: str) -> list[str]:
    return [piece for piece in _POPUP_CUTS.split(text) if piece]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_BITS), max_size=30))
def test_pieces_follow_the_rule(bits):
    text = "".join(bits)
    if 'href=">' in text:  # an empty link, which a popup never has
        return
    assert _popup_pieces(text) == _by_rule(text)


def test_a_real_popup_is_cut_by_the_rule_and_joins_back():
    popup = patch_popup_html(
        "450225202010072",
        {
            "township_name": "融水镇",
            "area_m2": 1234.5,
            "suggested_reason": "占用耕地；未见批准文件；<script>x</script>",
            "note": 'a "quote" & ">"',
        },
        layer_keys=[],
        lon=109.1,
        lat=25.2,
        geo=(25.2, 109.1),
    )
    assert _popup_pieces(popup) == _by_rule(popup)
    indices, pieces = popup_parts([popup, popup])
    assert "".join(pieces[i] for i in indices[0]) == popup
