"""What the input edge costs on the largest body the app accepts (MAX_CONTENT_LENGTH, 4 MB).

A filing of N instruments as the JSON API receives it: plain ``json.loads`` beside ``engine.loads_json`` (depth
and number guard), and ``engine.json_problems`` as the request guard (NUL, surrogates) and the forms (strictly,
also control characters) run it. Prints the median of ``--repeat`` runs in milliseconds.

    .venv/bin/python -m bench.bench_input_guard
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from engine import json_problems, loads_json

ROW = {"name": "燃油加油机" * 10, "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
       "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}


def _median_ms(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    """Time the guard on a body of about 4 MB."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    body = json.dumps({"process": "filing", "county_code": "210181",
                       "instruments": [{**ROW, "serial_no": f"W-{n}"} for n in range(args.rows)]})
    value = json.loads(body)
    print(f"body: {len(body.encode()) / 1e6:.2f} MB, {args.rows} instruments")
    print(f"json.loads              {_median_ms(lambda: json.loads(body), args.repeat):>8} ms")
    print(f"loads_json              {_median_ms(lambda: loads_json(body), args.repeat):>8} ms")
    print(f"json_problems           {_median_ms(lambda: list(json_problems(value)), args.repeat):>8} ms")
    print(f"json_problems (strict)  {_median_ms(lambda: list(json_problems(value, strict=True)), args.repeat):>8} ms")
    with_nul = {**value, "instruments": [*value["instruments"][:-1], {**ROW, "name": "x\x00"}]}
    print(f"json_problems (a NUL)   {_median_ms(lambda: list(json_problems(with_nul)), args.repeat):>8} ms")


if __name__ == "__main__":
    main()
