"""Builds attestd._native with the repository's Makefile (`make python`) and packages it.

The C++ library, its pinned static dependencies and the extension are built by the one
build the rest of attestd uses; this only copies the extension into the wheel.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent.parent


class MakeExtension(build_ext):
    def build_extension(self, ext):
        if not (ROOT / "Makefile").is_file():
            raise RuntimeError(f"attestd: {ROOT} is not the attestd repository: build from a clone (pip install ./python)")
        # For the interpreter that installs: its headers and its extension suffix.
        python = f"PYTHON={sys.executable}"
        subprocess.run(["make", "-C", str(ROOT), python, "python"], check=True)
        built = subprocess.run(["make", "-s", "-C", str(ROOT), "--no-print-directory", python, "print-python-native"],
                               check=True, capture_output=True, text=True).stdout.strip()
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, dest)
        # The build keeps debug information for gdb; the installed module does not need it.
        if shutil.which("objcopy"):
            subprocess.run(["objcopy", "--strip-debug", str(dest)], check=True)


# setuptools' scratch files go under the repository's build/, not into the source tree.
SCRATCH = ROOT / "build" / "python-setuptools"
SCRATCH.mkdir(parents=True, exist_ok=True)

setup(ext_modules=[Extension("attestd._native", sources=[])], cmdclass={"build_ext": MakeExtension},
      options={"build": {"build_base": str(SCRATCH)}, "egg_info": {"egg_base": str(SCRATCH)}})
