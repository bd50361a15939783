"""The pages people use: party phone page, mediator console, wall screens, admin.

Static HTML/CSS/JS only; the server side of each page lives in signaling/.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
NODE_MODULES = Path(__file__).parent / "node_modules"
