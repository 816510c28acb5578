"""httpx, imported without its command-line client.

httpx's package imports its own CLI (`httpx._main`: rich's console, progress and
syntax modules, pygments and click, 40-100 ms of every command's start) whenever
those are installed, and here they are: cheesecake's CLI uses rich and click. No
command uses httpx's CLI. A None entry in sys.modules makes that optional import
fail as it does where they are missing, and httpx then defines a stub `main`
instead. Modules that need httpx import it from here.
"""

from __future__ import annotations

import sys

if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        del sys.modules["httpx._main"]  # an explicit import of it later still works
else:
    import httpx

__all__ = ["httpx"]
