"""``python -m tests.fake_cupy MODULE [ARGS...]``: run ``python -m MODULE ARGS...`` on the fake."""
import runpy
import sys

from . import install

if len(sys.argv) < 2:
    sys.exit("usage: python -m tests.fake_cupy MODULE [ARGS...]   (e.g. minigrad.cli doctor)")
install()
module = sys.argv[1]
sys.argv = [module] + sys.argv[2:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
