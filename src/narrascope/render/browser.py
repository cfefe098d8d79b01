"""How narrascope starts Debian's Chromium headless (browser tests, README screenshots).

Playwright's own browser downloads cannot work offline, so the system Chromium is used; the
flags keep it from phoning home on a machine whose network is closed.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
