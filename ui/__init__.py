"""The desktop program: PySide6 widgets over the services in ``app``. Thin by design."""
