"""Exports of lists to .xlsx and .csv: every admin list now, the status tables later.

`export_response(rows, columns, file_format=..., filename=...)` writes any rows (a queryset, or any
iterable) given `ExportColumn`s, each a header and a function giving a row's value:

- every text cell goes through `escape_cell`, so `=HYPERLINK(...)`, `+1`, `-2`, `@x`, a leading tab or CR
  come out as text (with a `'` in front) and never run as formulas;
- money is a whole number of VND (`Money`, an `int`), never a float; dates stay dates, percentages
  (`PercentNumber`) numbers;
- .csv is UTF-8 with a BOM (so Excel opens it right), streamed: a queryset is read with
  `.iterator(chunk_size=2000)` and written as it comes, so two million households take no more memory
  than twenty;
- when every column says which of the row's values it reads (`ExportColumn.reads`, from a field of
  `list_display`, a figure column's `reads=` or `export_reads(...)` on a column method), the queryset is read
  as `values_list()` of just those values, without building model instances; a foreign key's text is its
  object's `str()`, fetched once per key for each batch of rows (a bounded cache). Otherwise the rows are
  read as instances;
- .xlsx is written by openpyxl's write-only workbook into a spooled temporary file (memory, then disk) and
  sent from there. A sheet holds at most 1,048,576 rows, the header included: a longer list is refused
  with `ExportTooLarge`, whose message suggests .csv.

`ExportAdminMixin` (part of `NtpAdmin` and `NtpHistoryAdmin`) puts "Export .xlsx" and "Export .csv" on
every change list. An export holds exactly the rows the change list shows (its filters, search and
ordering, built by `get_changelist_instance`, hence scoped by `restrict(user, "view")`), its `list_display`
columns, masked as the list masks them.
"""

from __future__ import annotations

import csv
import datetime
import html
import itertools
import operator
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, label_for_field, lookup_field
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models.query import QuerySet
from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.template.loader import select_template
from django.urls import re_path, reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sheets.values import PercentNumber, format_number
from sheets.writing import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, escape_cell
from sheets.xlsx import column_letter

from . import presentation
from .access import can_see_personal_data, mask_personal_value
from .numbers import NumberStyle

FORMATS = ("xlsx", "csv")
EXPORT_LABELS = {"xlsx": _("Export .xlsx"), "csv": _("Export .csv")}
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header row
CHUNK_SIZE = 2000  # rows fetched from the database at a time
_CSV_BATCH = 500  # rows per chunk of the streamed response
_SPOOL_BYTES = 16 * 1024 * 1024  # an .xlsx larger than this is spooled to disk


class Money(int):
    """A whole amount of VND: an integer, shown with thousands grouped in .xlsx."""

    __slots__ = ()


class ExportTooLarge(Exception):
    """The rows do not fit in the format asked for (an .xlsx sheet's 1,048,576 rows)."""


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export: its header and the function giving a row's value.

    A column that can be read without model instances also gives `reads`, the names of the queryset's
    values it needs (fields, paths across relations, annotations), and `from_values`, its cell from a row
    holding those values as attributes; `prepare`, if given, sees each batch of such rows first (to fetch
    what they refer to in one query)."""

    header: str
    value: Callable[[Any], Any]
    reads: tuple[str, ...] | None = None
    from_values: Callable[[Any], Any] | None = None
    prepare: Callable[[Sequence[Any]], None] | None = None


def export_reads(*names: str):
    """Declare that an admin column method, given a row holding only these values of the list's queryset
    as attributes (fields or annotations), returns what it returns for the instance: an export of the list
    then reads values, not instances.

        @admin.display(description=_("ethnic group"))
        @export_reads("_ethnicity")
        def ethnicity(self, obj):
            return obj._ethnicity
    """

    def decorate(method):
        method.export_reads = tuple(names)
        return method

    return decorate


# ---------------------------------------------------------------------------------------------------------
# Writing


def export_response(
    rows: Iterable[Any],
    columns: Sequence[ExportColumn],
    *,
    file_format: str,
    filename: str,
    title: str = "",
    row_count: int | None = None,
    preamble: Sequence[str] = (),
) -> HttpResponseBase:
    """The rows as a downloadable .xlsx or .csv (`file_format`), named `filename`.

    `title` names the .xlsx sheet; `preamble` gives the lines an .xlsx shows above the table (a report's
    title, its filters and as-of date), the first in bold. `row_count`, if known, saves counting a queryset
    before writing an .xlsx. Raises `ExportTooLarge` if an .xlsx would exceed Excel's rows.
    """
    if file_format == "csv":
        # the file is written after the view returns: in the language (and number style) it was asked in
        chunks = _csv_chunks(rows, columns, language=translation.get_language())
        response = StreamingHttpResponse(chunks, content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if file_format != "xlsx":
        raise ValueError(f"unknown export format {file_format!r}")
    if row_count is None and isinstance(rows, QuerySet):
        row_count = rows.count()
    if row_count is not None and row_count > XLSX_MAX_ROWS:
        raise ExportTooLarge(_too_large_message(row_count))
    return FileResponse(
        _xlsx_file(rows, columns, title=title, preamble=preamble),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


def _too_large_message(row_count: int | None) -> str:
    return gettext(
        "This list has %(count)s rows; an .xlsx sheet holds at most %(limit)s. "
        "Export it as .csv, or narrow it with the filters."
    ) % {
        "count": format_number(row_count) if row_count is not None else gettext("more than that"),
        "limit": format_number(XLSX_MAX_ROWS),
    }


def _value_names(rows: Iterable[Any], columns: Sequence[ExportColumn]) -> list[str] | None:
    """The values to read for the columns, if the rows are a queryset and every column reads values."""
    if not isinstance(rows, QuerySet) or rows.query.distinct or not columns:
        return None
    if any(column.from_values is None or column.reads is None for column in columns):
        return None
    return list(dict.fromkeys(["pk", *itertools.chain.from_iterable(column.reads for column in columns)]))


def _row_type(names: Sequence[str]) -> type:
    """A tuple whose items are also its attributes by name (underscored names too, unlike a namedtuple)."""
    attributes = {name: property(operator.itemgetter(index)) for index, name in enumerate(names)}
    return type("ExportRow", (tuple,), {"__slots__": (), **attributes})


def _cell_rows(rows: Iterable[Any], columns: Sequence[ExportColumn]) -> Iterator[list[Any]]:
    """Each row's cells: from values where every column can read them, else from the rows themselves."""
    names = _value_names(rows, columns)
    if names is None:
        getters = [column.value for column in columns]
        iterator = rows.iterator(chunk_size=CHUNK_SIZE) if isinstance(rows, QuerySet) else iter(rows)
        for row in iterator:
            yield [getter(row) for getter in getters]
        return
    row_type = _row_type(names)
    getters = [column.from_values for column in columns]
    preparers = [column.prepare for column in columns if column.prepare is not None]
    iterator = rows.values_list(*names).iterator(chunk_size=CHUNK_SIZE)
    while batch := [row_type(values) for values in itertools.islice(iterator, CHUNK_SIZE)]:
        for prepare in preparers:
            prepare(batch)
        for row in batch:
            yield [getter(row) for getter in getters]


def _plain(value: Any) -> Any:
    """A getter's value as a cell holds it: text, a number, a date or None."""
    if value is None or isinstance(value, bool | int | Decimal | str | datetime.date):
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.replace(tzinfo=None)
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return str(value)  # lazy translations, model instances, ...


class _Lines:
    """A file-like object that keeps what the csv writer writes, to be sent in chunks."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        text, self.parts = "".join(self.parts), []
        return text.encode("utf-8")


def _csv_text(value: Any, style: NumberStyle) -> str:
    """A cell of a .csv: whole numbers plain (1234567), decimals and percentages in the language's style
    ("12,5" and "12,5%" in Vietnamese, "12.5" and "12.5%" in English), dates as officials write them."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, PercentNumber):
        return format_number(Decimal(value) * 100, style, group=False) + "%"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        return format_number(value, style, group=False)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def _csv_chunks(rows: Iterable[Any], columns: Sequence[ExportColumn], *, language: str | None) -> Iterator[bytes]:
    style = NumberStyle.for_language(language)
    lines = _Lines()
    writer = csv.writer(lines)
    with translation.override(language):
        writer.writerow([_csv_text(column.header, style) for column in columns])
    yield b"\xef\xbb\xbf" + lines.take()
    iterator = _cell_rows(rows, columns)
    while True:
        with translation.override(language):
            for cells in itertools.islice(iterator, _CSV_BATCH):
                writer.writerow([_csv_text(cell, style) for cell in cells])
        chunk = lines.take()
        if not chunk:
            return
        yield chunk


_BOLD = Font(bold=True)
_NUMBER_FORMATS = {Money: "#,##0", PercentNumber: "0.0%"}


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, str):
        value = escape_cell(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if ILLEGAL_CHARACTERS_RE.search(value) else value
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM" if isinstance(value, datetime.datetime) else "DD/MM/YYYY"
        return cell
    if type(value) in _NUMBER_FORMATS:
        cell = WriteOnlyCell(sheet, value=Decimal(value) if isinstance(value, Decimal) else int(value))
        cell.number_format = _NUMBER_FORMATS[type(value)]
        return cell
    return value


def _sheet_title(text: str) -> str:
    for character in "[]:*?/\\":
        text = text.replace(character, " ")
    return text.strip()[:31] or "Sheet"


def _xlsx_file(
    rows: Iterable[Any], columns: Sequence[ExportColumn], *, title: str, preamble: Sequence[str] = ()
) -> Any:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for index, column in enumerate(columns):
        sheet.column_dimensions[column_letter(index)].width = max(12, min(50, len(column.header) + 4))
    header_row = len(preamble) + (1 if preamble else 0) + 1  # the preamble, a blank line, then the header
    sheet.freeze_panes = f"A{header_row + 1}"
    for number, line in enumerate(preamble):
        cell = WriteOnlyCell(sheet, value=escape_cell(str(line)))
        if number == 0:
            cell.font = _BOLD
        sheet.append([cell])
    if preamble:
        sheet.append([])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=escape_cell(str(column.header)))
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    for number, cells in enumerate(_cell_rows(rows, columns), start=1):
        if number > XLSX_MAX_ROWS:  # rows added since they were counted
            raise ExportTooLarge(_too_large_message(None))
        sheet.append([_xlsx_cell(sheet, cell) for cell in cells])
    output = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return output


# ---------------------------------------------------------------------------------------------------------
# Admin lists


def _model_field(model: type[models.Model], name: Any) -> models.Field | None:
    """The model field a `list_display` entry names, across relations ("household__id_number"), or None."""
    if not isinstance(name, str):
        return None
    try:
        field = get_fields_from_path(model, name)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return None
    if field.is_relation and (field.one_to_many or field.many_to_many or not field.concrete):
        return None
    return field


def _is_personal(admin_site: Any, field: models.Field) -> bool:
    """Whether a field is personal data, as the admin of its model declares (`personal_data_fields`)."""
    model_admin = admin_site._registry.get(field.model)
    return field.name in getattr(model_admin, "personal_data_fields", ())


def _field_cell(field: models.Field, value: Any, *, masked: bool, labels: dict | None) -> Any:
    """A model field's value as a cell; `labels`: a choice field's labels ({value: text}), else None."""
    if masked:
        return mask_personal_value(field.name, value)
    if value is None:
        return None
    if labels is not None:
        return labels.get(value, value)
    if field.is_relation:
        return str(value)
    if isinstance(field, models.BigIntegerField):  # money, in this project
        return Money(value)
    return value


def list_display_columns(model_admin: Any, names: Iterable[Any], *, show_personal_data: bool) -> list[ExportColumn]:
    """Export columns for `list_display` entries, resolved as the admin resolves them: a field's verbose
    name and value (a choice's label, a related object's text), a callable's `short_description` and
    result. Personal-data fields are masked unless `show_personal_data`."""
    columns = []
    for name in names:
        if name == "action_checkbox":
            continue
        header = capfirst(str(label_for_field(name, model_admin.model, model_admin)))
        field = _model_field(model_admin.model, name)
        masked = field is not None and not show_personal_data and _is_personal(model_admin.admin_site, field)
        columns.append(_column(model_admin, header, name, field, masked))
    return columns


def typed_cell(kind: str, value: Any) -> Any:
    """A column's typed figure (`kernel.presentation.figure_column`) as a cell: money as `Money`, a
    percentage (0 to 100) as a `PercentNumber` fraction."""
    if value is None:
        return None
    if kind == presentation.MONEY:
        return Money(int(value))
    if kind == presentation.PERCENT:  # to a hundredth of a thousandth of a per cent: 33,33333%
        return PercentNumber((Decimal(str(value)) / 100).quantize(Decimal("1e-7"), rounding=ROUND_HALF_UP))
    return int(value)


def _shown_text(result: Any) -> Any:
    """What a column callable returned that is not a figure: HTML as its text, other values as they are."""
    if isinstance(result, SafeData):
        text = html.unescape(strip_tags(result)).strip()
        return None if text in ("", "—") else text
    return None if result == "—" else result


class _ChoiceLabels:
    """A choice field's labels ({value: text}) in the language of the export (the first row is written in
    it), worked out once, not per row: Django flattens the choices and translates a label on each call."""

    def __init__(self, field: models.Field | None) -> None:
        self.choices = getattr(field, "flatchoices", None) if field is not None else None
        self.by_language: dict[str, dict] = {}

    def now(self) -> dict | None:
        if not self.choices:
            return None
        language = translation.get_language()
        if language not in self.by_language:
            self.by_language[language] = {key: str(label) for key, label in self.choices}
        return self.by_language[language]


class _RelatedTexts:
    """The text of the objects a foreign key refers to (their `str()`, in the export's language), fetched
    for each batch of rows in one query (the relations the list selects with it too), and kept for the
    next batches up to `limit` keys so that memory stays bounded."""

    def __init__(self, model: type[models.Model], select: Sequence[str], name: str, limit: int = 50_000) -> None:
        self.model, self.select, self.name, self.limit = model, list(select), name, limit
        self.texts: dict[Any, str] = {}
        self.language: str | None = None

    def prepare(self, batch: Sequence[Any]) -> None:
        language = translation.get_language()
        if language != self.language:  # a text (a legacy unit's "(cũ)") is in the export's language
            self.texts, self.language = {}, language
        keys = {key for key in map(operator.attrgetter(self.name), batch) if key is not None} - self.texts.keys()
        if not keys:
            return
        if len(self.texts) + len(keys) > self.limit:
            self.texts = {}
        found = self.model._base_manager.select_related(*self.select).in_bulk(keys)
        self.texts.update((key, str(obj)) for key, obj in found.items())

    def text(self, key: Any) -> str | None:
        return None if key is None else self.texts.get(key)


def _selected_with(model_admin: Any, name: str) -> list[str]:
    """The relations the list selects with the object a foreign key `name` refers to ("district" for
    "commune" when the list selects "commune__district")."""
    selected = model_admin.list_select_related
    if not isinstance(selected, list | tuple):
        return []
    prefix = f"{name}__"
    return [path[len(prefix) :] for path in selected if isinstance(path, str) and path.startswith(prefix)]


def _column(model_admin: Any, header: str, name: Any, field: models.Field | None, masked: bool) -> ExportColumn:
    # A figure column gives its typed value; the export never reads a number back from the text shown.
    method = name if callable(name) else getattr(model_admin, name, None) if isinstance(name, str) else None
    typed = getattr(method, "typed_value", None)
    labels = _ChoiceLabels(None if masked else field)

    def value(obj: Any) -> Any:
        if typed is not None and field is None:
            return typed_cell(method.figure_kind, typed(model_admin, obj))
        try:
            _field, attr, result = lookup_field(name, obj, model_admin)
        except ObjectDoesNotExist:
            return None
        if field is not None:
            return _field_cell(field, result, masked=masked, labels=labels.now())
        return _callable_cell(attr, result)

    if field is not None:
        if field.is_relation:  # the key, then its object's text
            texts = _RelatedTexts(field.related_model, _selected_with(model_admin, name), name)

            def related(row: Any) -> Any:
                key = getattr(row, name)
                return mask_personal_value(field.name, key) if masked else texts.text(key)

            return ExportColumn(header, value, (name,), related, None if masked else texts.prepare)
        read = operator.attrgetter(name)
        return ExportColumn(
            header, value, (name,), lambda row: _field_cell(field, read(row), masked=masked, labels=labels.now())
        )
    reads = getattr(method, "export_reads", None)
    if reads is None:
        return ExportColumn(header, value)
    if typed is not None:
        return ExportColumn(header, value, reads, lambda row: typed_cell(method.figure_kind, typed(model_admin, row)))
    return ExportColumn(header, value, reads, lambda row: _callable_cell(method, method(row)))


def _callable_cell(attr: Any, result: Any) -> Any:
    """What a column's callable (an admin method, a model's method or property) returned, as a cell: a
    boolean column's truth, other values as `_shown_text` gives them."""
    if getattr(attr, "boolean", False) or getattr(getattr(attr, "fget", None), "boolean", False):
        return None if result is None else bool(result)
    return _shown_text(result)


class ExportAdminMixin:
    """Links "Export .xlsx" and "Export .csv" on a change list, exporting what the list shows.

    The links are added by rendering the change list through `admin/ntp/change_list_export.html`, which
    extends whatever template the admin chose (its own `change_list_template`, such as the totals one, or
    Django's), so no change-list template has to know about exports. Override `get_export_columns` for
    columns other than `list_display`.
    """

    export_template = "admin/ntp/change_list_export.html"

    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        view = self.admin_site.admin_view(self.export_view)
        # Before the admin's own patterns, whose "<path:object_id>/" would take "export/csv/".
        return [
            re_path(r"^export/(?P<file_format>xlsx|csv)/$", view, name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None and not changelist.is_popup and not response.is_rendered:
            names = [response.template_name] if isinstance(response.template_name, str) else response.template_name
            context["ntp_export_parent"] = select_template(names)
            context["ntp_exports"] = self.export_links(changelist)
            response.template_name = self.export_template
        return response

    def export_links(self, changelist) -> list[tuple[str, str]]:
        """(label, address) of each export of the list as the change list shows it."""
        query = changelist.get_query_string()
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_export"
        return [(EXPORT_LABELS[f], reverse(name, args=[f]) + query) for f in FORMATS]

    def get_export_columns(self, request, changelist) -> list[ExportColumn]:
        return list_display_columns(
            self, changelist.list_display, show_personal_data=can_see_personal_data(request.user)
        )

    def export_filename(self, file_format: str) -> str:
        with translation.override("en"):
            stem = slugify(str(self.opts.verbose_name_plural)) or self.opts.model_name
        return f"{stem}-{timezone.localdate():%Y-%m-%d}.{file_format}"

    def export_view(self, request, file_format: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist_url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{changelist_url}?{ERROR_FLAG}=1")
        try:
            return export_response(
                changelist.queryset,
                self.get_export_columns(request, changelist),
                file_format=file_format,
                filename=self.export_filename(file_format),
                title=capfirst(str(self.opts.verbose_name_plural)),
                row_count=changelist.result_count,
            )
        except ExportTooLarge as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(changelist_url + changelist.get_query_string())
