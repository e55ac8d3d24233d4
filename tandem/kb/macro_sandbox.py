"""The sandbox macros render in: Jinja2's SandboxedEnvironment narrowed to a small language.

Three walls, so that a template reaches the documented variables and nothing else:
1. The parsed template may use only printing, `if`, filters from a short list and the
   documented names (no loops, assignments, includes, imports, arithmetic): checked
   before anything runs, so the author gets a clear message when saving.
2. The context is plain dicts of strings (tandem/kb/macro_context.py), never model
   instances, and a dot or [] only looks up a key of those dicts: no attribute of any
   Python object is ever read, so there is nothing to walk.
3. The only callable is `article_url`; output is capped in size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.filters import FILTERS
from jinja2.sandbox import SandboxedEnvironment

MAX_TEMPLATE_LENGTH = 20_000
MAX_OUTPUT_LENGTH = 50_000

DOCUMENTED_NAMES = frozenset({"contact", "organization", "ticket", "agent", "article_url"})

ALLOWED_FILTERS = (
    "capitalize",
    "default",
    "d",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "title",
    "trim",
    "truncate",
    "upper",
)

# What a macro template may contain. Everything else (For, Assign, Include, Import, Macro,
# Extends, arithmetic...) is refused by name; see _FORBIDDEN_WORDS for the messages.
_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Filter,
    nodes.Test,
    nodes.Call,
    nodes.Keyword,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
)

_FORBIDDEN_WORDS = {
    nodes.For: "loops ({% for %}) are not available in macros",
    nodes.Include: "{% include %} is not available in macros: templates cannot read files",
    nodes.Import: "{% import %} is not available in macros",
    nodes.FromImport: "{% from ... import %} is not available in macros",
    nodes.Extends: "{% extends %} is not available in macros",
    nodes.Block: "{% block %} is not available in macros",
    nodes.Macro: "{% macro %} is not available in macros",
    nodes.CallBlock: "{% call %} is not available in macros",
    nodes.Assign: "{% set %} is not available in macros",
    nodes.AssignBlock: "{% set %} is not available in macros",
    nodes.FilterBlock: "{% filter %} blocks are not available in macros",
    nodes.With: "{% with %} is not available in macros",
    nodes.BinExpr: "arithmetic is not available in macros",
    nodes.UnaryExpr: "arithmetic is not available in macros",
    nodes.Slice: "slices are not available in macros",
}


class MacroTemplateError(Exception):
    """A template that cannot be used, with a message for the person who wrote it."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class Variables(dict):
    """A group of documented variables (`ticket`, `ticket.custom_fields`...), named so that
    a missing key can be reported as the author wrote it."""

    def __init__(self, path: str, values: dict[str, Any]):
        super().__init__(values)
        self.path = path


class _MacroEnvironment(SandboxedEnvironment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._lookup(obj, argument)

    def _lookup(self, obj: Any, key: Any) -> Any:
        if isinstance(obj, Variables):
            if key in obj:
                return obj[key]
            raise UndefinedError(f"{obj.path}.{key} is not a documented variable")
        # Never getattr() on anything else: this is what keeps `''.__class__` and friends out.
        raise SecurityError(f"{key!r} cannot be read here: only documented variables exist")

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        if getattr(__obj, "macro_callable", False):
            return __obj(*args, **kwargs)
        raise SecurityError("only article_url(...) can be called in a macro")


def _environment() -> _MacroEnvironment:
    env = _MacroEnvironment(autoescape=False, undefined=StrictUndefined, loader=None)
    env.globals.clear()  # range, cycler, joiner, lipsum, namespace, dict: none of them
    env.filters = {name: FILTERS[name] for name in ALLOWED_FILTERS}
    env.tests = {name: env.tests[name] for name in ("defined", "undefined", "none", "string")}
    return env


ENVIRONMENT = _environment()


def _check_tree(tree: nodes.Template) -> None:
    # Statements first, then names, then the rest: the message names the biggest mistake.
    for node in tree.find_all(nodes.Node):
        for kind, message in _FORBIDDEN_WORDS.items():
            if isinstance(node, kind):
                raise MacroTemplateError(message, line=getattr(node, "lineno", None))
    for node in tree.find_all(nodes.Name):
        if node.name not in DOCUMENTED_NAMES:
            raise MacroTemplateError(
                f"{node.name!r} is not a documented variable (use contact, organization, "
                "ticket, agent or article_url)",
                line=node.lineno,
            )
    for node in tree.find_all(nodes.Node):
        line = getattr(node, "lineno", None)
        if not isinstance(node, _ALLOWED_NODES):
            raise MacroTemplateError(
                f"{type(node).__name__.lower()} is not available in macros", line=line
            )
        if isinstance(node, nodes.Filter) and node.name not in ENVIRONMENT.filters:
            raise MacroTemplateError(
                f"the {node.name} filter is not available in macros (available: "
                f"{', '.join(sorted(ENVIRONMENT.filters))})",
                line=line,
            )
        if isinstance(node, nodes.Test) and node.name not in ENVIRONMENT.tests:
            raise MacroTemplateError(f"the test {node.name!r} is not available", line=line)
        if isinstance(node, nodes.Call) and not (
            isinstance(node.node, nodes.Name) and node.node.name == "article_url"
        ):
            raise MacroTemplateError("only article_url(...) can be called in a macro", line=line)


def compile_template(source: str):
    """The template, or MacroTemplateError naming what is wrong (syntax or a forbidden part)."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise MacroTemplateError(f"is longer than {MAX_TEMPLATE_LENGTH} characters")
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        message = error.message or "is not a valid template"
        raise MacroTemplateError(message, line=error.lineno) from None
    _check_tree(tree)
    return ENVIRONMENT.from_string(tree)


def render(source: str, context: dict[str, Any]) -> str:
    """Render `source` with `context` (plain Variables from macro_context); errors are
    MacroTemplateError, never anything else."""
    template = compile_template(source)
    try:
        text = template.render(context)
    except MacroTemplateError:
        raise
    except UndefinedError as error:
        raise MacroTemplateError(str(error).replace("'", "")) from None
    except SecurityError as error:
        raise MacroTemplateError(str(error)) from None
    except (TemplateError, TypeError, ValueError, LookupError) as error:
        raise MacroTemplateError(f"cannot be rendered: {error}") from None
    if len(text) > MAX_OUTPUT_LENGTH:
        raise MacroTemplateError(f"renders to more than {MAX_OUTPUT_LENGTH} characters")
    return text


def macro_callable(function: Callable) -> Callable:
    """Mark a function as callable from templates (the sandbox calls nothing else)."""
    function.macro_callable = True
    return function
