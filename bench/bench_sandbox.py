"""What the script budget costs: the instrumented sandbox against plain exec and the un-budgeted sandbox.

Usage: python -m bench.bench_sandbox [--repeat 20000] [--rounds 5] [--examples]

Three ways to run the same text with the same task data, interleaved in rounds in one process:
- plain: ``eval`` of code compiled by ``compile()`` with the full builtins (SpiffWorkflow's default; unsafe);
- restricted: the sandbox as it was before the budget (our checks, RestrictedPython's policy, the guards,
  the copy of the task data and the copy-back; no ticks, no checked operators, no meter);
- budgeted: ``SandboxEnvironment`` as the engine runs it (RestrictedPython + ticks + checked operators +
  a fresh meter per run; scripts also deep-copy the task data and copy variables back, in both sandboxes).

Texts: a light gateway condition, a typical script (a comprehension, a loop, arithmetic, formatting, like
the production diagrams' scripts), and a 100,000-step loop (the per-tick cost). Reported: median
microseconds per run over the rounds, and the ratio to plain. ``--examples`` instead times how the default
budget stops each of the issue's examples.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import time
from collections.abc import Callable
from types import CodeType
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer

from engine.sandbox import BUILTINS, GUARDS, Budget, Mode, SandboxEnvironment, check_tree, parse_text
from engine.sandbox.instrument import HELPER_NAMES
from engine.store.errors import ScriptError

CONDITION = "total > 10 and kind in ('a', 'b')"
SCRIPT = """fees = [item["fee"] * 2 for item in instruments if item["in_use"]]
total = 0
for fee in fees:
    total += fee
label = "%s-%d" % (kind, total) + f"{total:>6}"
deadline_basis = {"from": received_on, "working_days": 7, "reminder_working_days": 2}
"""
LOOP = "n = 0\nwhile n < 100000:\n    n += 1\n"
DATA: dict[str, Any] = {
    "total": 12, "kind": "a", "received_on": "2026-09-28",
    "instruments": [{"fee": i, "in_use": i % 3 != 0} for i in range(20)],
}


def plain(mode: str, text: str) -> Callable[[dict[str, Any]], Any]:
    code = compile(text, "<plain>", mode)
    return lambda data: eval(code, {**data})


class UnbudgetedEnvironment(SandboxEnvironment):
    """The sandbox as it was before the budget: same checks, policy, guards and copy-back; no instrumentation."""

    def compiled(self, mode: Mode, text: str) -> CodeType:
        key = (mode, text)
        if key not in self._cache:
            tree = parse_text(mode, text)
            check_tree(tree)
            tree = RestrictingNodeTransformer([], [], {}).visit(tree)
            self._cache[key] = compile(tree, "<restricted>", mode)
        return self._cache[key]

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return eval(self.compiled("eval", expression), {**self.globals, **(external_context or {}), **context,
                                                        **OLD_GUARDS})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        external = dict(external_context or {})
        self.check_for_overwrite(context, external)
        scope = {**self.globals, **external, **copy.deepcopy(context), **OLD_GUARDS}
        eval(self.compiled("exec", script), scope)
        self._copy_back(scope, context, external)
        return True


# The guards without the checked operators, and the plain range and sum.
OLD_GUARDS = {**{k: v for k, v in GUARDS.items() if k not in HELPER_NAMES},
              "__builtins__": {**BUILTINS, "range": range, "sum": sum}}


def restricted(mode: str, text: str) -> Callable[[dict[str, Any]], Any]:
    environment = UnbudgetedEnvironment()
    if mode == "eval":
        return lambda data: environment.evaluate(text, data)
    return lambda data: environment.execute(text, data, {})


def budgeted(mode: str, text: str) -> Callable[[dict[str, Any]], Any]:
    environment = SandboxEnvironment(budget=Budget())
    if mode == "eval":
        return lambda data: environment.evaluate(text, data)
    return lambda data: environment.execute(text, data, {})


def measure(run: Callable[[dict[str, Any]], Any], repeat: int) -> float:
    """Microseconds per run."""
    data = copy.deepcopy(DATA)
    began = time.perf_counter()
    for _ in range(repeat):
        run(data)
    return (time.perf_counter() - began) / repeat * 1e6


EXAMPLES = (  # the examples, and a few more of each kind
    "while True: pass", "x = 10**10**8", "x = sum(sum(range(10**6)) for i in range(10**6))", "x = 'x' * 10**10",
    "x = [0] * 10**9", "x = '{0:>10000000000}'.format(1)", "x = f'{1:>10000000000}'", "x = '%10000000000d' % 1",
    "x = 'x'.ljust(10**10)", "x = 1 << 10**10", "x = sum(range(10**12))", "x = list(range(10**9))",
    "x = []\nwhile True:\n    x.append('a' * 10**6)", "x = 'ab'\nfor i in range(64):\n    x = x + x",
)


def examples() -> None:
    """How long the default budget takes to stop each example, and what it says."""
    environment = SandboxEnvironment(budget=Budget())
    for text in EXAMPLES:
        began = time.perf_counter()
        try:
            environment.execute(text, {}, {})
            outcome = "ran to the end"
        except ScriptError as exc:
            outcome = str(exc)
        print(f"  {time.perf_counter() - began:6.2f} s  {text!r:<58} {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20_000, help="runs of the condition per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", action="store_true", help="time how the budget stops the issue's examples")
    args = parser.parse_args()
    if args.examples:
        examples()
        return
    print(f"bench_sandbox on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; median of {args.rounds} rounds")
    texts = [("light condition", "eval", CONDITION, args.repeat), ("typical script", "exec", SCRIPT, args.repeat // 10),
             ("100,000-step loop", "exec", LOOP, 3)]
    print(f"  {'text':<20} {'plain µs':>10} {'restricted µs':>14} {'budgeted µs':>12} {'budgeted/plain':>15} "
          f"{'budgeted/restricted':>20}")
    for label, mode, text, repeat in texts:
        runners = [plain(mode, text), restricted(mode, text), budgeted(mode, text)]
        samples: list[list[float]] = [[], [], []]
        for _ in range(args.rounds):
            for i, run in enumerate(runners):
                samples[i].append(measure(run, max(1, repeat)))
        p, r, b = (statistics.median(s) for s in samples)
        print(f"  {label:<20} {p:10.2f} {r:14.2f} {b:12.2f} {b / p:14.2f}x {b / r:19.2f}x")


if __name__ == "__main__":
    main()
