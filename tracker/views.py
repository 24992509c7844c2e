"""The disbursement status pages (`/status/`): thin views over tracker/status.py's tables. Login required;
every figure is of the official's jurisdiction (`restrict(user, "view")`); a unit or work outside it
answers "not found"."""

from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel import forms as kernel_forms
from kernel.access import VIEW, may
from kernel.exports import export_response
from kernel.presentation import percent_chart, rate_bars
from kernel.text import fold
from localities.models import Commune, Province
from programs.models import Component, Program

from . import status
from .models import Work


def status_page(view):
    """Login required; then the page is for whoever may read works (`may(user, "view", Work)`: every role),
    its figures of their jurisdiction."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not may(request.user, VIEW, Work):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(checked)


class StatusForm(forms.Form):
    """The page's plan year and as-of date, typed as officials type them (30/06/2025)."""

    year = kernel_forms.YearField(label=gettext_lazy("plan year"), required=False)
    as_of = kernel_forms.DateField(label=gettext_lazy("as of"), required=False)
    unit = forms.ChoiceField(
        label=gettext_lazy("amounts in"),
        required=False,
        choices=[("dong", gettext_lazy("đồng")), ("million", gettext_lazy("million đồng"))],
    )
    map = forms.ChoiceField(
        label=gettext_lazy("provinces"),
        required=False,
        choices=[
            ("current", gettext_lazy("as they are now (34)")),
            ("recorded", gettext_lazy("as the data was recorded (63 before 1 July 2025)")),
        ],
    )


def _status_query(request, form_class=None, defaults=None):
    """The query the page's URL asks for (a year, a date, a unit; a page's own fields in `form_class` with
    their `defaults`); what it leaves out, or gives unreadable (said on the form), is today, the latest plan
    year with capital (read only then) and the defaults. Returns the form, the query and the page's own
    values."""
    form_class, defaults = form_class or StatusForm, defaults or {}
    form = form_class(request.GET or None)
    given = {}
    if form.is_bound:
        form.is_valid()  # the fields that read well are kept; the others are said on the form
        given = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    today = timezone.localdate()
    year = given.get("year") or status.StatusQuery.latest_year(request.user, today)
    query = status.StatusQuery(
        year=year,
        as_of=given.get("as_of") or today,
        unit=given.get("unit") or "dong",
        map=given.get("map") or "current",
    )
    own = {**defaults, **{name: value for name, value in given.items() if name in defaults}}
    if not form.is_bound:
        form = form_class(
            initial={"year": query.year, "as_of": query.as_of, "unit": query.unit, "map": query.map, **own}
        )
    return form, query, own


def _wants_export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _export(rows, columns, *, query, place: str, name: str):
    """The page's table as .xlsx, exactly as shown (its total row last)."""
    return export_response(
        rows,
        columns,
        file_format="xlsx",
        filename=f"{slugify(fold(name)) or 'status'}-{query.year}-{query.as_of:%Y-%m-%d}.xlsx",
        title=name,
        preamble=status.preamble(place, query),
    )


def _context(request, form, query, *, exportable: bool = True, **extra):
    sort = request.GET.get("sort", "")
    sorted_by = f"&sort={sort}" if sort.removeprefix("-") in status.SORT_KEYS else ""
    export_url = f"{request.path}{status.query_string(query)}{sorted_by}&export=xlsx" if exportable else None
    return {
        "form": form,
        "query": query,
        "money_label": _("million VND") if query.unit == "million" else _("VND"),
        "qs": status.query_string(query),
        "breadcrumbs": extra.pop("breadcrumbs", []),
        "export_url": export_url,
        **extra,
    }


def _province_crumb(province, query):
    return (province.name, reverse("status:province", args=[province.pk]) + status.query_string(query))


def _province_asked(request):
    """The current province of the jurisdiction a page is narrowed to (`?province=`), or None; another
    province answers "not found"."""
    if not request.GET.get("province", "").isdigit():
        return None
    provinces = Province.objects.current().in_jurisdiction(request.user)
    return get_object_or_404(provinces, pk=int(request.GET["province"]))


def _crumbs_under(province, query, page: str) -> list:
    """A page's breadcrumbs: the province it is narrowed to, if any, then the page."""
    return ([_province_crumb(province, query)] if province is not None else []) + [(page, None)]


def _commune_crumb(commune, query, *, link: bool):
    url = reverse("status:commune", args=[commune.pk]) + status.query_string(query) if link else None
    return (str(commune), url)


def _splits(tables):
    """The split tables with their titles, as the template lists them."""
    return [
        (_("By capital type"), tables.splits["capital_type"], status.total_row(tables.splits["capital_type"], "")),
        (_("By source"), tables.splits["source"], status.total_row(tables.splits["source"], "")),
        *(
            [(_("This year's and earlier years' capital"), tables.splits["carried"], None)]
            if "carried" in tables.splits
            else []
        ),
    ]


@status_page
def overview(request):
    form, query, _own = _status_query(request)
    tables = status.overview_tables(request.user, query)
    sort = request.GET.get("sort", "")
    tables.rows = status.sort_rows(tables.rows, sort)
    if _wants_export(request):
        columns = status.unit_columns(_("Province"))
        rows = [*tables.rows, tables.total]
        return _export(rows, columns, query=query, place=_("All provinces"), name=_("Provinces"))
    context = _context(request, form, query, rows=tables.rows, total=tables.total, splits=_splits(tables))
    context["sort_links"] = status.sort_links(request.path + context["qs"], sort)
    context["show_map"] = True
    context["chart"] = rate_bars(
        [(row.name, row.rate_of_allocated) for row in tables.rows],
        title=_("Disbursed / allocated, per province"),
    )
    context["programs"] = [
        (status.coded_label(p), reverse("status:program", args=[p.pk])) for p in Program.objects.order_by("code")
    ]
    return render(request, "tracker/status/overview.html", context)


@status_page
def program(request, pk: int):
    """A program: its projects and sub-projects, and its capital per province, each a step down."""
    unit = get_object_or_404(Program, pk=pk)
    form, query, _own = _status_query(request)
    rows, total, provinces = status.program_tables(request.user, unit, query)
    name = status.coded_label(unit)
    if _wants_export(request):
        columns = status.unit_columns(_("Project or sub-project"))
        return _export([*rows, total], columns, query=query, place=name, name=unit.code)
    context = _context(
        request,
        form,
        query,
        rows=rows,
        total=total,
        provinces=provinces,
        program=unit,
        program_name=name,
        breadcrumbs=[(name, None)],
    )
    return render(request, "tracker/status/program.html", context)


@status_page
def component(request, pk: int):
    """A project or sub-project: its capital per province, then per commune of one (`?province=`), then per
    work of one of those communes (`?commune=`)."""
    unit = get_object_or_404(Component.objects.select_related("program"), pk=pk)
    form, query, _own = _status_query(request)
    province = _province_asked(request)
    commune = None
    if province is not None and request.GET.get("commune", "").isdigit():
        communes = Commune.objects.filter(current_province=province)
        commune = get_object_or_404(communes, pk=int(request.GET["commune"]))
    rows, total = status.component_tables(request.user, unit, query, province=province, commune=commune)
    program_name = status.coded_label(unit.program)
    base = status.query_string(query)
    crumbs = [(program_name, reverse("status:program", args=[unit.program_id]) + base)]
    here = reverse("status:component", args=[unit.pk]) + base
    crumbs.append((status.coded_label(unit), here if province else None))
    if province is not None:
        crumbs.append((province.name, f"{here}&province={province.pk}" if commune else None))
    if commune is not None:
        crumbs.append((str(commune), None))
    header = _("Work") if commune else _("Commune") if province else _("Province")
    if _wants_export(request):
        place = crumbs[-1][0]
        return _export([*rows, total], status.unit_columns(header), query=query, place=place, name=unit.code)
    context = _context(
        request,
        form,
        query,
        rows=rows,
        total=total,
        component=unit,
        component_name=status.coded_label(unit),
        unit_header=header,
        breadcrumbs=crumbs,
        keep_province=True,
        unit=province,
        kept_commune=commune,
    )
    if commune is not None:
        context["export_url"] = f"{context['export_url']}&province={province.pk}&commune={commune.pk}"
    elif province is not None:
        context["export_url"] = f"{context['export_url']}&province={province.pk}"
    return render(request, "tracker/status/component.html", context)


@status_page
def province(request, pk: int):
    # A current province, or one of before 1 July 2025 (the overview's provinces as the data was recorded).
    unit = get_object_or_404(Province.objects.in_jurisdiction(request.user), pk=pk)
    form, query, _own = _status_query(request)
    tables = status.province_tables(request.user, unit, query)
    sort = request.GET.get("sort", "")
    tables.rows = status.sort_rows(tables.rows, sort)
    if _wants_export(request):
        columns = status.unit_columns(_("Commune"))
        return _export([*tables.rows, tables.total], columns, query=query, place=unit.name, name=unit.name)
    context = _context(
        request,
        form,
        query,
        unit=unit,
        rows=tables.rows,
        total=tables.total,
        splits=_splits(tables),
        breadcrumbs=[(unit.name, None)],
    )
    context["sort_links"] = status.sort_links(request.path + context["qs"], sort)
    return render(request, "tracker/status/province.html", context)


@status_page
def commune(request, pk: int):
    unit = get_object_or_404(Commune.objects.in_jurisdiction(request.user).select_related("current_province"), pk=pk)
    form, query, _own = _status_query(request)
    works = list(status.work_table(request.user, unit, query))
    total = status.StatusRow(
        name=str(unit),
        works=len(works),
        allocated=sum(work.allocated for work in works),
        disbursed=sum(work.disbursed for work in works),
    )
    if _wants_export(request):
        return _export(works, status.work_columns(), query=query, place=str(unit), name=unit.name)
    context = _context(
        request,
        form,
        query,
        unit=unit,
        works=works,
        total=total,
        breadcrumbs=[_province_crumb(unit.current_province, query), _commune_crumb(unit, query, link=False)],
    )
    return render(request, "tracker/status/commune.html", context)


@status_page
def work(request, pk: int):
    found = (
        Work.objects.restrict(request.user, VIEW)
        .select_related("commune__current_province", "commune__district", "commune__province")
        .with_capital()
        .with_progress()
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such work."))
    form, query, _own = _status_query(request)
    reports = list(found.progress_reports.order_by("reported_on", "pk"))
    context = _context(
        request,
        form,
        query,
        exportable=False,
        work=found,
        allocations=found.allocations.select_related("component__program").order_by("year", "decided_on", "pk"),
        disbursements=found.disbursements.select_related("reverses").order_by("paid_on", "pk"),
        reports=reports,
        chart=percent_chart(
            [(report.reported_on, report.progress_percent) for report in reports], title=_("Physical progress")
        ),
        villages=found.villages.order_by("name"),
        breadcrumbs=[
            _province_crumb(found.commune.current_province, query),
            _commune_crumb(found.commune, query, link=True),
            (found.code, None),
        ],
    )
    return render(request, "tracker/status/work.html", context)


@status_page
def infrastructure(request):
    """Works by type: started and completed, capacity built against planned (km of road, classrooms, ...),
    for the jurisdiction or one of its current provinces (`?province=`)."""
    form, query, _own = _status_query(request)
    unit = _province_asked(request)
    works = Work.objects.restrict(request.user, VIEW).in_year(query.year)
    if unit is not None:
        works = works.within(unit)
    rows = status.infrastructure_rows(works, query)
    crumbs = _crumbs_under(unit, query, _("Infrastructure"))
    context = _context(
        request,
        form,
        query,
        exportable=False,
        unit=unit,
        keep_province=True,
        rows=rows,
        roads=status.roads_summary(rows),
        breadcrumbs=crumbs,
    )
    return render(request, "tracker/status/infrastructure.html", context)


class LaggingForm(StatusForm):
    threshold = kernel_forms.DecimalField(
        label=gettext_lazy("disbursement rate under (%)"), required=False, min_value=0, max_value=100
    )
    days = kernel_forms.IntegerField(label=gettext_lazy("no progress report for (days)"), required=False, min_value=1)


LAGGING_DEFAULTS = {"threshold": Decimal(20), "days": 90}


@status_page
def lagging(request):
    """Who is behind: communes and works under a disbursement rate, works without recent progress reports,
    works past their planned completion; for the jurisdiction or one of its current provinces."""
    form, query, own = _status_query(request, LaggingForm, LAGGING_DEFAULTS)
    unit = _province_asked(request)
    report = status.lagging(request.user, query, threshold=own["threshold"], days=own["days"], province=unit)
    crumbs = _crumbs_under(unit, query, _("Lagging"))
    context = _context(
        request, form, query, exportable=False, unit=unit, keep_province=True, report=report, breadcrumbs=crumbs
    )
    return render(request, "tracker/status/lagging.html", context)


@status_page
def households(request):
    """Poor and near-poor households by year and place (and by ethnic group), households that escaped or
    fell into poverty, support received: counts only, never a household's name or ID number."""
    form, query, _own = _status_query(request)
    unit = _province_asked(request)
    rows, total, ethnic = status.household_tables(request.user, query, province=unit)
    crumbs = _crumbs_under(unit, query, _("Households"))
    context = _context(
        request,
        form,
        query,
        exportable=False,
        unit=unit,
        keep_province=True,
        rows=rows,
        total=total,
        ethnic=ethnic,
        breadcrumbs=crumbs,
    )
    return render(request, "tracker/status/households.html", context)
