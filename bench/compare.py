"""Two national bench runs side by side: each line's ms and ratio, before and after.

.venv/bin/python bench/compare.py bench/results/national-A.json bench/results/national-B.json
"""

import json
import sys
from pathlib import Path


def load(path: str) -> tuple[dict, dict]:
    run = json.loads(Path(path).read_text())
    return run, {(e["group"], e["name"], e["user"]): e for e in run["lines"]}


def cell(entry: dict | None, key: str, spec: str) -> str:
    if entry is None:
        return "—"
    if "error" in entry:
        return "ERROR"
    value = entry.get(key)
    return format(value, spec) if isinstance(value, int | float) else "—"


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    (run_a, a), (run_b, b) = load(sys.argv[1]), load(sys.argv[2])
    print(f"A: {run_a['commit']} ({run_a['database']}), B: {run_b['commit']} ({run_b['database']})")
    header = (
        f"{'line':<58} {'user':<14} {'A ms':>9} {'B ms':>9} {'B/A':>6} "
        f"{'A ×floor':>8} {'B ×floor':>8} {'A q':>5} {'B q':>5}"
    )
    print(header)
    print("-" * len(header))
    for key in list(a) + [k for k in b if k not in a]:
        x, y = a.get(key), b.get(key)
        speed = (
            f"{y['ms'] / x['ms']:6.2f}"
            if x and y and x.get("ms") and y.get("ms") is not None
            else f"{'—':>6}"
        )
        print(
            f"{key[0] + ' ' + key[1]:<58} {key[2]:<14} {cell(x, 'ms', '.1f'):>9} "
            f"{cell(y, 'ms', '.1f'):>9} {speed} {cell(x, 'ratio', '.1f'):>8} "
            f"{cell(y, 'ratio', '.1f'):>8} {cell(x, 'queries', 'd'):>5} "
            f"{cell(y, 'queries', 'd'):>5}"
        )


if __name__ == "__main__":
    main()
