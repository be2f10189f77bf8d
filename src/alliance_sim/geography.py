"""Approximate geography for the maps (app and static figures): capitals (lon, lat) and two seas.

Positions are approximate on purpose: China is pulled in from Beijing towards the map's right
edge and "the West" sits at the left edge, so that the map stays readable in a browser panel.
"""

from __future__ import annotations

#: Node position (longitude, latitude) and the label shown next to it.
PLACES: dict[str, tuple[float, float, str]] = {
    "russia": (37.6, 55.75, "Russia (Moscow)"),
    "belarus": (27.56, 53.9, "Belarus (Minsk)"),
    "kazakhstan": (71.45, 51.17, "Kazakhstan (Astana)"),
    "kyrgyzstan": (74.6, 42.87, "Kyrgyzstan (Bishkek)"),
    "tajikistan": (68.78, 38.56, "Tajikistan (Dushanbe)"),
    "armenia": (44.51, 40.18, "Armenia (Yerevan)"),
    "uzbekistan": (69.24, 41.3, "Uzbekistan (Tashkent)"),
    "azerbaijan": (49.87, 40.41, "Azerbaijan (Baku)"),
    "china": (89.0, 47.5, "China (→ Beijing)"),
    "turkey": (32.86, 39.93, "Turkey (Ankara)"),
    "west": (20.0, 49.0, "the West"),
}

#: Label placement per state: (dx, dy) in points, horizontal and vertical alignment.
LABEL_OFFSETS = {
    "russia": (0, 13, "center", "bottom"),
    "belarus": (0, -11, "center", "top"),
    "kyrgyzstan": (11, -3, "left", "top"),
    "tajikistan": (0, -11, "center", "top"),
    "uzbekistan": (-12, 2, "right", "center"),
    "armenia": (-4, -9, "right", "top"),
    "turkey": (0, 9, "center", "bottom"),
}

#: Map extent: (lon_min, lon_max, lat_min, lat_max).
EXTENT = (15.0, 93.0, 33.0, 63.0)

#: Rough outlines (lon, lat) of the Caspian and Black Seas, drawn faintly for orientation.
SEAS: dict[str, list[tuple[float, float]]] = {
    "Caspian Sea": [
        (46.8, 44.3), (47.5, 45.6), (49.0, 46.6), (51.0, 47.0), (53.0, 46.7), (53.2, 45.3),
        (51.3, 44.5), (50.3, 44.6), (51.4, 43.2), (52.7, 42.5), (52.9, 41.0), (53.9, 40.3),
        (53.0, 39.3), (53.9, 37.4), (54.0, 37.0), (51.0, 36.7), (49.0, 37.6), (48.8, 38.8),
        (49.4, 40.2), (50.3, 40.4), (49.2, 41.0), (48.5, 41.9), (47.6, 43.0), (47.4, 43.9),
    ],
    "Black Sea": [
        (28.0, 41.2), (27.5, 42.5), (28.0, 43.4), (28.7, 44.3), (29.7, 45.2), (30.5, 46.3),
        (31.5, 46.6), (32.5, 46.0), (33.5, 45.6), (32.5, 45.3), (33.5, 44.5), (35.0, 44.8),
        (36.5, 45.2), (37.5, 44.6), (38.5, 44.3), (39.7, 43.5), (41.5, 42.0), (41.6, 41.5),
        (40.0, 40.9), (38.0, 40.9), (36.0, 41.6), (35.0, 42.0), (33.0, 42.0), (31.0, 41.2),
        (29.0, 41.2),
    ],
}  # fmt: skip
