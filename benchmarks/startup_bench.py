"""First-contact times: the CLI's help, ``hashlearn list``, and a classic model's round trip.

Every scenario runs in a fresh interpreter (``--repeat`` times, the median is
printed), beside two peers measured in the same run: a bare interpreter, and
``import sklearn.base``, the floor of any scikit-learn estimator. The last column
lists the heavy packages each scenario imported (torch, numba, matplotlib,
pandas must stay out of these paths). ``--importtime`` adds the ten slowest
imports of the ITQ load + encode, from ``python -X importtime``.

Run it alone on a quiet machine; the load average is printed with the figures::

    python benchmarks/startup_bench.py --repeat 7 --importtime
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("torch", "numba", "matplotlib", "pandas", "scipy", "sklearn")
TARGETS = {"hashlearn --help": 0.5, "ITQ load + encode 1,000 rows": 1.0}

SETUP = """
import numpy as np, hashlearn
rng = np.random.default_rng(0)
X = rng.normal(size=(5000, 128)); np.save("X.npy", X); np.save("X1k.npy", X[:1000])
np.save("y.npy", rng.integers(0, 10, 5000))
hashlearn.create("itq", n_bits=64, random_state=0).fit(X).save("itq-model")
"""

REPORT_MODULES = (
    "\nimport sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
)


def fit_save(method: str, supervised: bool = False) -> str:
    fit = "m.fit(X, np.load('y.npy'))" if supervised else "m.fit(X)"
    return (
        "import numpy as np, hashlearn\nX = np.load('X.npy')\n"
        f"m = hashlearn.create({method!r}, n_bits=64, random_state=0)\n{fit}\nm.save('out')"
    )


CONSOLE_SCRIPT = str(Path(sys.executable).with_name("hashlearn"))  # as installed by pip
SCENARIOS: dict[str, list[str]] = {
    "python -c pass (peer: bare interpreter)": ["-c", "pass"],
    "import sklearn.base (peer: estimator floor)": ["-c", "import sklearn.base"],
    "hashlearn --help": [CONSOLE_SCRIPT, "--help"],
    "hashlearn list": [CONSOLE_SCRIPT, "list"],
    "ITQ load + encode 1,000 rows": [
        "-c",
        "import numpy as np, hashlearn\nhashlearn.load('itq-model').encode(np.load('X1k.npy'))",
    ],
    "ITQ fit + save, 5,000 x 128": ["-c", fit_save("itq")],
    "LSH fit + save, 5,000 x 128": ["-c", fit_save("lsh")],
    "SDH fit + save, 5,000 x 128": ["-c", fit_save("sdh", supervised=True)],
}


def run_once(args: list[str], folder: Path) -> tuple[float, list[str]]:
    """Wall time of one fresh interpreter, and the top-level packages it imported."""
    code_args = list(args)
    if code_args[0] == "-c":
        code_args[1] += REPORT_MODULES
    command = code_args if args[0] == CONSOLE_SCRIPT else [sys.executable, *code_args]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    if args[0] != "-c":
        return elapsed, []
    imported = json.loads(result.stdout.strip().splitlines()[-1])
    return elapsed, [m for m in HEAVY if m in imported]


def slowest_imports(folder: Path, count: int = 10) -> list[tuple[int, str]]:
    """The ``count`` largest cumulative import times (microseconds) of the ITQ load."""
    code = SCENARIOS["ITQ load + encode 1,000 rows"][1]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if len(name) - len(name.lstrip()) <= 3:  # top-level imports only
                rows.append((int(parts[1]), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, "-c", SETUP], cwd=folder, check=True)
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(f"{'scenario':<46} {'median s':>9} {'min s':>7}  target  heavy imports")
        baseline = None
        for name, scenario in SCENARIOS.items():
            runs = [run_once(scenario, folder) for _ in range(args.repeat)]
            times = [t for t, _ in runs]
            median = statistics.median(times)
            baseline = median if baseline is None else baseline
            target = f"< {TARGETS[name]:.1f}" if name in TARGETS else ""
            print(
                f"{name:<46} {median:9.3f} {min(times):7.3f}  {target:6}  "
                f"{', '.join(runs[-1][1]) or '-'}"
            )
        if args.importtime:
            print("\nslowest top-level imports of the ITQ load + encode (cumulative):")
            for micros, module in slowest_imports(folder):
                print(f"  {micros / 1e6:7.3f} s  {module}")
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
