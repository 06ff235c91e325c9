"""The desktop program: PySide6 widgets over the services in ``app``. Thin by design."""

import os

# Qt's raster engine hands every large fill (a table's background, a selection, an image's
# conversion) to a pool of threads and then waits for them. For this program's windows the
# hand-over costs more than the fill (the Cases table's paint at 100,000 listed cases took
# less of the GUI thread's time without it), and on a busy machine the GUI thread waits
# until the pool's threads are scheduled: the wait showed as the slowest keystrokes in the
# case search (issue 23, point 3). Qt's own switch, read when the pool is first asked for
# (so set here, before any window paints).
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
