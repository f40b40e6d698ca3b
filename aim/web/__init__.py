"""The web UI that `aim up` serves: an ASGI app (aim.web.app) over the SDK, pages in static/.

Needs the `ui` extra (starlette, uvicorn, plotly, orjson): `pip install 'aim-tracker[ui]'`.
"""
