"""Build hook: ship the top-level templates/, static/ and migrations/ inside the package.

They stay at the top of the repository (where the design puts them, and where an editable install
reads them in place); an installed wheel has no repository around it, so the build copies them to
fieldcrm/_shipped/ in the wheel, where `fieldcrm.paths.shipped` finds them. Everything else about
the package is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED_FOLDERS = ("templates", "static", "migrations")


class BuildPyWithShippedFolders(build_py):
    """setuptools' build_py, plus a copy of the shipped folders into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the folders where they are
            return
        for name in SHIPPED_FOLDERS:
            target = Path(self.build_lib) / "fieldcrm" / "_shipped" / name
            shutil.rmtree(target, ignore_errors=True)  # a stale build/ must not keep deleted files
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))


setup(cmdclass={"build_py": BuildPyWithShippedFolders})
