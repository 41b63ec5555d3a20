"""The one way a script of ours runs inside its own virtual environment of pinned PyPI packages."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ensure(name, requirements, what):
    """Re-runs the calling script inside ROOT/NAME (created from REQUIREMENTS if missing),
    unless it already runs there; WHAT says what is installed, on first creation."""
    venv = os.path.join(ROOT, name)
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(python):
        print(f"{os.path.basename(sys.argv[0])}: creating {name} ({what})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "-r", requirements], check=True)
    os.execv(python, [python, os.path.abspath(sys.argv[0])] + sys.argv[1:])
