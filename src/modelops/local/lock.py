"""The one lock of the embedded AWS's own state.

moto's server answers requests from several threads, and the server's settle thread runs endpoint transitions
and handlers beside them. Everything the embedded AWS keeps besides moto's backends is guarded by this lock:
the clock's schedule, the fault switches, the event listeners and the dispatcher's queue. It is re-entrant
because an API call that holds it (a model package update) emits an event that takes it again.
"""

from __future__ import annotations

import threading

LOCK = threading.RLock()
