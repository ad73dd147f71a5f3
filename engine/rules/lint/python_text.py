"""Parsing the Python of diagram expressions and scripts for the lint rules, whatever policy staff type.

A text that is too long or nested too deep makes ``ast.parse`` raise RecursionError or MemoryError
instead of SyntaxError; such a text is reported as unreadable, never allowed to crash the lint.
"""

from __future__ import annotations

import ast
from typing import Literal

MAX_LENGTH = 10_000  # characters of one expression or script; production texts stay well below 2,000
TOO_COMPLEX = "无法检查：表达式过长或嵌套过深"


def parse_python(text: str, mode: Literal["eval", "exec"]) -> ast.AST | str:
    """The syntax tree of ``text``, or why it cannot be read, to follow "的脚本" ("有语法错误：第1行 …")."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        return f"{TOO_COMPLEX}（超过 {MAX_LENGTH} 个字符）"
    try:
        return ast.parse(text, mode=mode)
    except SyntaxError as exc:
        return f"有语法错误：第{exc.lineno}行 {exc.msg}"
    except (RecursionError, MemoryError, ValueError):
        # ValueError: a NUL character in the text.
        return TOO_COMPLEX
