"""The frozen program's entry point (PyInstaller runs this file): the same ``casuskamer``
command as the installed script, desktop program and command line alike."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
