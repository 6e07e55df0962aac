"""A data table whose text cells are plain text: Textual's ``DataTable`` reads a ``str``
cell as markup, and the console's tables show names, places and URLs from the network."""

from __future__ import annotations

from rich.text import Text, TextType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from smsconsole.tui.plain import plain_text


def _plain(cell: object) -> object:
    return plain_text(cell) if isinstance(cell, str) else cell


class PlainTable(DataTable[object]):
    """A ``DataTable`` that shows every ``str`` cell as it is (see :mod:`smsconsole.tui.plain`)."""

    def add_row(
        self,
        *cells: object,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        if isinstance(label, str):
            label = Text(label)
        return super().add_row(*map(_plain, cells), height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: object,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, _plain(value), update_width=update_width)
