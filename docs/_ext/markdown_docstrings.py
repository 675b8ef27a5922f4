"""Griffe extension: render the library's docstrings as clean Markdown in the API reference.

The docstrings follow numpy style with two reStructuredText habits that Markdown
renders badly:

* doctest examples outside an ``Examples`` section (``>>>`` lines in a summary),
  which Markdown reads as nested block quotes; they become fenced ``pycon`` blocks;
* Sphinx roles (``:func:`hashlearn.create```, ``:class:`~hashlearn.index.FlatIndex```),
  which Markdown shows verbatim; they become inline code (``~`` keeps the last name).

Loaded by mkdocstrings through ``mkdocs.yml`` (``extensions:``); the source is not changed.

>>> markdown_docstring("See :func:`~hashlearn.codes.pack_bits`:\\n>>> 1 + 1\\n2").splitlines()
['See `pack_bits`:', '```pycon', '>>> 1 + 1', '2', '```']
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|obj|exc):`(~?)([^`]+)`")
EXAMPLE_HEADINGS = ("examples", "example")


def _role_text(match: re.Match[str]) -> str:
    """The role's target as inline code (``~target`` shows its last name only)."""
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def _is_heading(lines: list[str], index: int) -> bool:
    """A numpy section heading: a text line underlined by dashes."""
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return bool(lines[index].strip()) and bool(following) and set(following) == {"-"}


def fence_doctests(text: str) -> str:
    """Fence each run of doctest lines (``>>>`` and its output) outside ``Examples``.

    >>> fence_doctests("Sum:\\n>>> 1 + 1\\n2\\n\\nDone.").splitlines()
    ['Sum:', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    lines = text.split("\n")
    out: list[str] = []
    in_examples = in_doctest = False
    for index, line in enumerate(lines):
        if not in_doctest and _is_heading(lines, index):
            in_examples = line.strip().lower() in EXAMPLE_HEADINGS
        starts = line.startswith(">>>") and not in_examples
        if starts and not in_doctest:
            out.append("```pycon")
            in_doctest = True
        elif in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


def markdown_docstring(text: str) -> str:
    """The docstring ``text`` with doctests fenced and Sphinx roles as inline code."""
    return ROLE.sub(_role_text, fence_doctests(text))


class MarkdownDocstrings(griffe.Extension):
    """Rewrite every docstring with :func:`markdown_docstring` as griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
