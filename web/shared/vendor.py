"""Front-end files installed from npm (``npm ci``), served from ``node_modules`` through an allow-list.

Nothing is copied into the repository and no CDN is used: government networks are often offline. Only
the files listed here are reachable; anything else, or a missing ``node_modules``, answers 404.
The folder is QIANGJIAN_VENDOR_DIR, else ``node_modules`` in the working directory (where ``npm ci`` put it
when run next to package.json, as ./run.sh does); an installed wheel carries no npm files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

BPMN_JS = "bpmn-js/dist"
DMN_JS = "dmn-js/dist"
DMN_CSS = ("diagram-js", "dmn-js-shared", "dmn-js-drd", "dmn-js-decision-table", "dmn-js-decision-table-controls",
           "dmn-js-literal-expression", "dmn-js-boxed-expression", "dmn-js-boxed-expression-controls")
ALLOWED = frozenset({
    f"{BPMN_JS}/bpmn-navigated-viewer.production.min.js",
    f"{BPMN_JS}/bpmn-modeler.production.min.js",
    f"{BPMN_JS}/assets/diagram-js.css",
    f"{BPMN_JS}/assets/bpmn-js.css",
    f"{BPMN_JS}/assets/bpmn-font/css/bpmn.css",
    *(f"{BPMN_JS}/assets/bpmn-font/font/bpmn.{ext}" for ext in ("woff2", "woff", "ttf", "eot", "svg")),
    f"{DMN_JS}/dmn-modeler.production.min.js",
    *(f"{DMN_JS}/assets/{name}.css" for name in DMN_CSS),
    f"{DMN_JS}/assets/dmn-font/css/dmn.css",
    *(f"{DMN_JS}/assets/dmn-font/font/dmn.{ext}" for ext in ("woff2", "woff", "ttf", "eot", "svg")),
    "echarts/dist/echarts.min.js",  # the managers' figures (Chinese is ECharts' built-in language)
})
MAX_AGE = 24 * 3600  # versioned by package-lock.json; a day of caching is plenty on an intranet


@bp.route("/<path:filename>")
def file(filename: str) -> Any:
    """One allow-listed file from node_modules."""
    if filename not in ALLOWED:
        abort(404)
    return send_from_directory(vendor_dir(), filename, max_age=MAX_AGE)


def vendor_dir() -> Path:
    """The npm ``node_modules`` folder served from, as an absolute path (a relative one would be the package's)."""
    return Path(os.environ.get("QIANGJIAN_VENDOR_DIR", "node_modules")).resolve()
