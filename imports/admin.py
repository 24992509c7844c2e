"""The admin's spreadsheet imports: upload a file, read the preview, confirm, follow the progress.

- "Import from a spreadsheet" on the change list of each model an import kind writes (works, households,
  villages, capital, ...), for whoever holds the kind's permissions (`import_link`, a context processor,
  puts the link in the change list's tools).
- The upload page (the add page of `ImportJob`): the kind, the file, the option to skip duplicate rows, the
  kinds' templates (.xlsx).
- The job page (its change page): the progress bar while the file is checked or imported (import.js polls
  `progress/` every second), then the preview: rows new, changed, unchanged, skipped, every error with its
  row, column and message, the file back with an error column, and "Import N rows" when nothing is wrong.
- The list of one's imports (the change list), to come back to a job.

A job is the user's own (`ImportJob.objects.restrict(user, action)`): somebody else's answers "not found". The stored
files hold personal data and are sent back only through these views.
"""

from __future__ import annotations

import tempfile
from pathlib import PurePath
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kernel.access import CHANGE, VIEW, can_see_personal_data, may
from kernel.admin import NtpAdmin
from kernel.presentation import COUNT, figure_column, format_vnd
from localities.models import Village
from sheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from sheets.safety import human_size

from .base import CREATED_LABELS, created_label
from .choices import ImportJobStatusChoices
from .models import ImportJob, job_allows, sees_every_import
from .registry import get_kind, kind_names
from .sheet_templates import write_kind_template
from .tasks import (
    import_job_confirm,
    import_job_create,
    import_job_delete,
    import_jobs_stop_stale,
    job_error_file,
    job_is_stale,
    job_rows_done,
)

Status = ImportJobStatusChoices
ERRORS_PER_PAGE = 500


def importable_kinds(user) -> list:
    """The import kinds the user's roles allow, cached on the user for the request."""
    cached = getattr(user, "_ntp_importable_kinds", None)
    if cached is None:
        cached = []
        if user is not None and user.is_active and user.is_staff:
            for name in kind_names():
                kind = get_kind(name)
                if kind.allows(user):
                    cached.append(kind)
        user._ntp_importable_kinds = cached
    return cached


def kind_label(name: str) -> str:
    try:
        return capfirst(get_kind(name).label)
    except (KeyError, ImportError):
        return name


def import_link(request) -> dict:
    """Context processor: on the change list of a model an import kind writes, the address of its import
    page (`ntp_import_url`), for a user who may import that kind."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or not (match.url_name or "").endswith("_changelist") or user is None or not user.is_staff:
        return {}
    for kind in importable_kinds(user):
        opts = kind.model._meta
        if match.url_name == f"{opts.app_label}_{opts.model_name}_changelist":
            url = reverse("admin:imports_importjob_add") + "?" + urlencode({"kind": kind.name})
            return {"ntp_import_url": url}
    return {}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a .csv file, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv,.txt"}),
    )
    skip_duplicates = forms.BooleanField(
        label=gettext_lazy("Skip duplicate rows and list them"),
        required=False,
        help_text=gettext_lazy(
            "Households only: a row repeating a household already in the file or in the register is skipped "
            "and listed, instead of refusing the whole file."
        ),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.name, capfirst(kind.label)) for kind in kinds]
        if not any(kind.supports_skip_duplicates for kind in kinds):
            del self.fields["skip_duplicates"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; files larger than %(limit)s are refused. Split it into several files.")
                % {"size": human_size(upload.size), "limit": human_size(limit)}
            )
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(NtpAdmin):
    """Officials' uploads: the list is theirs; add is the upload page, change the job's page."""

    list_display = ["created_at", "kind_name", "filename", "user", "status", "rows", "summary"]
    list_display_links = ["created_at", "filename"]
    list_filter = ["status"]
    search_fields = ["filename", "user__username"]
    list_select_related = ["user"]
    show_full_result_count = False

    # -- who may do what ----------------------------------------------------------------------------------------

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return bool(importable_kinds(user)) or (user.is_active and user.is_staff and sees_every_import(user))

    def has_add_permission(self, request):
        return bool(importable_kinds(request.user))

    def has_change_permission(self, request, obj=None):
        return False  # a job is read, confirmed or deleted, never edited

    def has_delete_permission(self, request, obj=None):
        if not self.has_view_permission(request):
            return False
        return obj is None or not obj.is_running or job_is_stale(obj)

    # -- the list -----------------------------------------------------------------------------------------------

    def get_queryset(self, request):
        # The result (up to 10,000 errors) is not read for the list, only its counts.
        return (
            super()
            .get_queryset(request)
            .defer("result")
            .annotate(_new=KT("result__new"), _changed=KT("result__changed"), _errors=KT("result__error_rows"))
        )

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_name(self, obj):
        return kind_label(obj.kind)

    @figure_column(gettext_lazy("rows"), kind=COUNT)
    def rows(self, obj):
        return job_rows_done(obj) if obj.is_running else obj.rows_total

    @admin.display(description=gettext_lazy("result"))
    def summary(self, obj):
        if obj._new is None:
            return obj.error[:80] if obj.error else "—"
        return _("%(new)s new, %(changed)s changed, %(errors)s in error") % {
            "new": _count(obj._new),
            "changed": _count(obj._changed),
            "errors": _count(obj._errors),
        }

    def changelist_view(self, request, extra_context=None):
        # Jobs whose process died (a restart, a killed worker) are shown as stopped, and may be deleted.
        import_jobs_stop_stale(self.get_queryset(request).running().defer("result").order_by())
        return super().changelist_view(request, extra_context)

    def delete_model(self, request, obj):
        import_job_delete(job=obj)

    def delete_queryset(self, request, queryset):
        for job in queryset:
            if job.is_running and not job_is_stale(job):
                self.message_user(
                    request, _("%(job)s is running: it was not deleted.") % {"job": job}, messages.WARNING
                )
                continue
            import_job_delete(job=job)

    # -- pages --------------------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/progress/", view(self.progress_view), name="imports_importjob_progress"),
            path("<path:object_id>/errors/", view(self.error_file_view), name="imports_importjob_errors"),
            path("<path:object_id>/confirm/", view(self.confirm_view), name="imports_importjob_confirm"),
            path("template/<str:kind>/", view(self.template_view), name="imports_importjob_template"),
            *super().get_urls(),
        ]

    def _job(self, request, object_id) -> ImportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            pk = int(unquote(object_id))
        except ValueError:
            raise Http404 from None
        job = self.get_queryset(request).defer(None).filter(pk=pk).first()
        if job is None:
            raise Http404(_("No such import."))
        import_jobs_stop_stale([job])
        return job

    def add_view(self, request, form_url="", extra_context=None):
        """The upload page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        kinds = importable_kinds(request.user)
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, kinds=kinds)
            if form.is_valid():
                job = import_job_create(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    skip_duplicates=form.cleaned_data.get("skip_duplicates", False),
                )
                self.log_addition(request, job, [{"added": {}}])
                return HttpResponseRedirect(reverse("admin:imports_importjob_change", args=[job.pk]))
        else:
            names = [kind.name for kind in kinds]
            chosen = request.GET.get("kind")
            form = UploadForm(initial={"kind": chosen if chosen in names else None}, kinds=kinds)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a spreadsheet"),
            "opts": self.opts,
            "form": form,
            "kinds": [
                (kind, reverse("admin:imports_importjob_template", args=[kind.name]), kind.name == form["kind"].value())
                for kind in kinds
            ],
            "max_size": human_size(settings.IMPORT_UPLOAD_MAX_BYTES),
            "list_url": reverse("admin:imports_importjob_changelist"),
        }
        return TemplateResponse(request, "admin/imports/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's page: progress, then the preview or the result."""
        job = self._job(request, object_id)
        result = job.result or None
        stale = job_is_stale(job)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import of %(file)s") % {"file": job.filename},
            "opts": self.opts,
            "job": job,
            "kind_label": kind_label(job.kind),
            "running": job.is_running and not stale,
            "stale": stale,
            "progress": _progress(job),
            "progress_url": reverse("admin:imports_importjob_progress", args=[job.pk]),
            "list_url": reverse("admin:imports_importjob_changelist"),
            "upload_url": reverse("admin:imports_importjob_add") + "?" + urlencode({"kind": job.kind}),
            "delete_url": (
                reverse("admin:imports_importjob_delete", args=[job.pk])
                if self.has_delete_permission(request, job)
                else None
            ),
        }
        if result and not context["running"]:
            context.update(self._result_context(request, job, result))
        return TemplateResponse(request, "admin/imports/job.html", context)

    def _result_context(self, request, job: ImportJob, result: dict) -> dict:
        to_write = result.get("new", 0) + result.get("changed", 0)
        created = [
            (format_vnd(count), created_label(name, count))
            for name, count in result.get("created", {}).items()
            if count
        ]
        errors = Paginator(result.get("errors", []), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
        duplicates = Paginator(result.get("duplicates", []), ERRORS_PER_PAGE).get_page(request.GET.get("dpage"))
        marked = not result.get("rejected") and (result.get("errors") or result.get("duplicates"))
        may_import = job.status == Status.CHECKED and to_write > 0 and self._may_confirm(request, job)
        context = {
            "result": result,
            "counts": [
                (_("rows read"), format_vnd(result.get("rows", 0))),
                (_("new"), format_vnd(result.get("new", 0))),
                (_("changed"), format_vnd(result.get("changed", 0))),
                (_("unchanged"), format_vnd(result.get("unchanged", 0))),
                (_("duplicates skipped"), format_vnd(result.get("skipped", 0))),
                (_("rows in error"), format_vnd(result.get("error_rows", 0))),
            ],
            "created": created,
            "named": [
                (CREATED_LABELS.get(what, what), names, result.get("named_dropped", {}).get(what, 0))
                for what, names in result.get("named", {}).items()
                if names
            ],
            "errors": errors,
            "error_pages": _pages(errors, "page"),
            "errors_dropped": format_vnd(result.get("errors_dropped", 0)),
            "duplicates": duplicates,
            "duplicate_pages": _pages(duplicates, "dpage"),
            "error_file_url": reverse("admin:imports_importjob_errors", args=[job.pk]) if marked and job.file else None,
            "confirm_url": reverse("admin:imports_importjob_confirm", args=[job.pk]) if may_import else None,
            "confirm_label": ngettext("Import %(count)s row", "Import %(count)s rows", to_write)
            % {"count": format_vnd(to_write)},
            "nothing_to_write": job.status == Status.CHECKED and to_write == 0,
            "imported_links": self._imported_links(request, job) if job.status == Status.DONE else [],
        }
        return context

    def _may_confirm(self, request, job: ImportJob) -> bool:
        """Only the official who uploaded a file imports it (the rows are theirs, in their jurisdiction)."""
        user = request.user
        return job_allows(user, CHANGE, job) and any(kind.name == job.kind for kind in importable_kinds(user))

    def _imported_links(self, request, job: ImportJob) -> list[tuple[str, str]]:
        """(label, address) of the lists the import wrote to, those the user may read."""
        try:
            kind = get_kind(job.kind)
        except (KeyError, ImportError):
            return []
        models = [kind.model]
        if (job.result or {}).get("created", {}).get("villages"):
            models.append(Village)
        links = []
        for model in models:
            opts = model._meta
            if not self.admin_site.is_registered(model):
                continue
            if not may(request.user, VIEW, model):
                continue
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            except NoReverseMatch:
                continue
            links.append((capfirst(opts.verbose_name_plural), url))
        return links

    def progress_view(self, request, object_id):
        job = self._job(request, object_id)
        stale = job_is_stale(job)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": str(job.get_status_display()),
                "running": job.is_running and not stale,
                "rows_done": job_rows_done(job),
                "rows_total": job.rows_total,
                "text": _progress(job)["text"],
            }
        )

    def error_file_view(self, request, object_id):
        job = self._job(request, object_id)
        result = job.result or {}
        if not job.file or result.get("rejected") or not (result.get("errors") or result.get("duplicates")):
            raise Http404(_("This import has no file of errors."))
        if job.user_id != request.user.pk and not can_see_personal_data(request.user):
            raise PermissionDenied  # somebody else's file, with its ID numbers
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
        file_format = job_error_file(job, out)
        out.seek(0)
        stem = PurePath(job.filename).stem or "import"
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"{stem} - {_('errors')}.{file_format}",
            content_type=XLSX_CONTENT_TYPE if file_format == "xlsx" else CSV_CONTENT_TYPE,
        )

    def confirm_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:imports_importjob_change", args=[object_id]))
        job = self._job(request, object_id)
        if not self._may_confirm(request, job):
            raise PermissionDenied
        if import_job_confirm(job=job):
            self.message_user(request, _("The import has started."), messages.SUCCESS)
        else:
            self.message_user(request, _("This file has already been imported, or cannot be."), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:imports_importjob_change", args=[job.pk]))

    def template_view(self, request, kind: str):
        if not self.has_add_permission(request):
            raise PermissionDenied
        chosen = next((k for k in importable_kinds(request.user) if k.name == kind), None)
        if chosen is None:
            raise Http404(_("No such import kind."))
        out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
        write_kind_template(chosen, out)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=f"ntp-{chosen.name}.xlsx", content_type=XLSX_CONTENT_TYPE)


def _count(text) -> str:
    """A count read out of the result's JSON (as text), as officials read numbers: 80.000."""
    try:
        return format_vnd(int(text))
    except (TypeError, ValueError):
        return "—"


def _progress(job: ImportJob) -> dict:
    done, total = job_rows_done(job), job.rows_total
    if job.status == Status.QUEUED:
        text = _("Waiting for its turn…")
    elif total:
        text = _("%(done)s of about %(total)s rows read") % {"done": format_vnd(done), "total": format_vnd(total)}
    else:
        text = _("%(done)s rows read") % {"done": format_vnd(done)}
    return {"done": min(done, total) if total else done, "total": total, "text": text}


def _pages(page, parameter: str) -> list[tuple[str, str | None]]:
    """(label, query string or None for the current page and ellipses) for a paginated list."""
    if page.paginator.num_pages < 2:
        return []
    items = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.number or number == page.paginator.ELLIPSIS:
            items.append((str(number), None))
        else:
            items.append((str(number), "?" + urlencode({parameter: number})))
    return items
