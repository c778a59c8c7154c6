"""Not a page: the 大屏's watcher, a small browser-side component (``st.components.v2``) mounted once per screen.

It does what only the browser can do:
- the clock (the wall's own local time, every second, with no server round trip);
- the connection watchdog: the screen's every refresh stamps ``data-screen-tick`` on its header; when no new stamp
  has arrived for a while (the server stopped, the network is down) it shows a calm banner saying so, until the
  stamps come back (Streamlit's frontend reconnects by itself and the screen's next run stamps again);
- the sizes the server needs to draw canvases crisply at any resolution: the viewport and the map's box, reported
  when they change (deck.gl's zoom and Plotly's font sizes are pixels, not CSS units).

Registered once per process here (a page script runs again on every rerun; re-registering would warn each time).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from views import shared

_JS = (Path(__file__).with_name("screen_watch.js")).read_text(encoding="utf-8")
_HTML = ('<div class="scr-clock" data-testid="screenClock"><span class="scr-clock__date"></span>'
         '<span class="scr-clock__time"></span></div>'
         '<div class="scr-offline" data-testid="screenOffline" hidden></div>')

_watcher = st.components.v2.component("kpi_screen_watch", html=_HTML, js=_JS, isolate_styles=False)


def watch(silent_seconds: float, size: dict | None) -> dict | None:
    """Mount the watcher; returns the last reported sizes ({w, h, map_w, map_h} in CSS px) or None before the first
    report. ``silent_seconds``: how long without a refresh stamp before the banner shows."""
    result = _watcher(key="screen_watch", data={"silent_ms": int(silent_seconds * 1000), "size": size},
                      default={"size": None}, on_size_change=lambda: None, height=0)
    return result.get("size") if result else None


# Run as a page itself (a bare request to /screen_watch before the router ever ran): go through the router instead.
