"""Builds attestd._native with the repository's Makefile (`make python`) and packages it.

The C++ library, its pinned static dependencies and the extension are built by the one
build the rest of attestd uses; this only copies the extension into the wheel.
"""

import os
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
        # Run from `make test` (pip under make), the inherited MAKEFLAGS would make this make
        # print "Entering directory" lines around the answer: ask a make of its own.
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        answer = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), python, "print-python-native"],
                                check=True, capture_output=True, text=True, env=env).stdout
        built = [line for line in answer.splitlines() if line.startswith("/")][-1]
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
