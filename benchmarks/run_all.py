"""`make bench`: every benchmark in turn; each prints its figures and writes its section of
docs/benchmarks.md. Slow (tens of minutes at force scale); not part of `make test`.

    python -m benchmarks.run_all [--quick]

``--quick`` shortens the load runs and uses a force of 10,000: for trying the harness, not
for figures to publish.
"""

from __future__ import annotations

import argparse

from benchmarks import force_scale, page_weight, submission_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    page_weight.main()
    submission_load.main(["--duration", "3"] if args.quick else [])
    force_scale.main(["--people", "10000"] if args.quick else [])


if __name__ == "__main__":
    main()
