"""Spreadsheet imports through the API: the same job as the admin's upload page (imports.tasks), polled, then
confirmed. A job is its uploader's (`ImportJob.objects.restrict(user, action)`); another's answers 404."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.errors import Conflict
from api.idempotency import IDEMPOTENCY_KEY, idempotent
from api.views import KEY_PARAMETER, ListMixin, ScopedViewSet
from kernel.access import CHANGE, DELETE, VIEW

from ..admin import UploadForm, importable_kinds
from ..models import ImportJob
from ..tasks import import_job_confirm, import_job_create, import_jobs_stop_stale
from . import serializers


class MayImport(permissions.IsAuthenticated):
    """The imports' routes are for an official whose role imports some kind of file (as the admin's upload
    page is); anybody else is refused (403), as on every other route, whatever jobs they once had."""

    message = _lazy("Your role does not allow you to import spreadsheets.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and bool(importable_kinds(request.user))


class ImportJobViewSet(ListMixin, ScopedViewSet):
    """POST a file (multipart: kind, file) to start a job: its check runs (the preview, nothing written); poll
    the job until `status` is `checked` (or `refused`), read its counts and errors, then POST `confirm/` to
    import it, and poll again until `done`."""

    model = None  # a job's rule is its own (imports.models.jobs_reached), asked through restrict
    serializer_class = serializers.ImportJobSerializer
    permission_classes = [MayImport]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    filter_backends = []

    def scoped(self, action: str):
        return ImportJob.objects.restrict(self.request.user, action)

    def required_action(self):
        if self.action == "confirm":
            return CHANGE
        if self.action == "destroy":
            return DELETE
        return VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        queryset = self.scoped(self.required_action())
        return queryset.defer("result") if self.action == "list" else queryset

    def get_object(self):
        try:
            job = self.get_queryset().get(pk=int(self.kwargs["key"]))
        except (ValueError, ImportJob.DoesNotExist):
            raise exceptions.NotFound() from None
        import_jobs_stop_stale([job])
        job.refresh_from_db()
        return job

    @extend_schema(parameters=[KEY_PARAMETER], responses=serializers.ImportJobDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(serializers.ImportJobDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=serializers.UploadSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: serializers.ImportJobDetailSerializer},
    )
    @idempotent()
    def create(self, request, *args, **kwargs):
        """Upload a file to check (the admin's preview, as a job to poll); a retry under the same
        Idempotency-Key gets the first job, not a second one."""
        form = UploadForm(request.data, request.FILES, kinds=importable_kinds(request.user))
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        job = import_job_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            skip_duplicates=form.cleaned_data.get("skip_duplicates", False),
        )
        job.refresh_from_db()
        response = Response(serializers.ImportJobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(f"{job.pk}/")
        return response

    @extend_schema(
        request=None,
        parameters=[KEY_PARAMETER, IDEMPOTENCY_KEY],
        responses={202: serializers.ImportJobDetailSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser, parsers.FormParser])
    @idempotent()
    def confirm(self, request, *args, **kwargs):
        """Import a checked job (the preview read): only its uploader, with a role that may import its kind."""
        job = self.get_object()
        if not any(kind.name == job.kind for kind in importable_kinds(request.user)):
            raise exceptions.PermissionDenied(_("Your role does not allow you to import this kind of file."))
        if not import_job_confirm(job=job):
            raise Conflict(_("This file has already been imported, or cannot be."))
        job.refresh_from_db()
        return Response(serializers.ImportJobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)
