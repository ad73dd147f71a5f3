"""The AST pass that puts the budget into diagram code: ticks in every loop and checked big operations.

It runs after RestrictedPython's transformer (whose policy forbids the underscore names inserted here,
so user code can never call or replace them) and adds:

- ``_tick_()`` at the top of every ``for``/``while`` body and function body, in front of every lambda
  body, and as the first condition of every comprehension step;
- ``_pow_``, ``_mul_``, ``_add_``, ``_lshift_`` and ``_mod_`` calls in place of ``**``, ``*``, ``+``,
  ``<<`` and ``%``, which check the size of the result first (``limits``);
- ``_format_(value, conversion, spec)`` for f-string fields with a format spec, whose width is checked.
"""

from __future__ import annotations

import ast
from typing import Any

TICK = "_tick_"
BINARY_HELPERS: dict[type[ast.operator], str] = {
    ast.Pow: "_pow_", ast.Mult: "_mul_", ast.Add: "_add_", ast.LShift: "_lshift_", ast.Mod: "_mod_",
}
FORMAT = "_format_"
HELPER_NAMES = frozenset({TICK, FORMAT, *BINARY_HELPERS.values()})


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _tick_statement() -> ast.Expr:
    return ast.Expr(value=_call(TICK))


class BudgetInstrumenter(ast.NodeTransformer):
    """Adds ticks and checked operations to an already restricted tree (see the module docstring)."""

    def _loop(self, node: Any) -> Any:
        self.generic_visit(node)
        node.body.insert(0, _tick_statement())
        return node

    visit_For = _loop  # noqa: N815 - ast.NodeTransformer dispatches on these names
    visit_While = _loop  # noqa: N815
    visit_FunctionDef = _loop  # noqa: N815

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        node.body = ast.BoolOp(op=ast.And(), values=[_call(TICK), node.body])  # the tick returns True
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        node.ifs.insert(0, _call(TICK))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        helper = BINARY_HELPERS.get(type(node.op))
        if helper is None:
            return node
        return ast.copy_location(_call(helper, node.left, node.right), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        if node.format_spec is None:
            return node
        value = _call(FORMAT, node.value, ast.Constant(node.conversion), node.format_spec)
        return ast.copy_location(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)


def instrument(tree: ast.Module | ast.Expression) -> ast.Module | ast.Expression:
    """The tree with the budget instrumentation added, ready to compile."""
    instrumented: ast.Module | ast.Expression = BudgetInstrumenter().visit(tree)
    return ast.fix_missing_locations(instrumented)
