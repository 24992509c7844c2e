"""Import jobs as the API shows them: the upload, its status while it runs, then the preview's counts and
every error with its row and column (the same result the admin's job page shows)."""

from rest_framework import serializers

from api.serializers import ModelSerializer

from ..models import ImportJob
from ..tasks import job_is_stale, job_rows_done

COUNTS = ("rows", "new", "changed", "unchanged", "skipped", "error_rows")


class UploadSerializer(serializers.Serializer):
    """What an upload carries (read by the admin's upload form, so that the same rules answer)."""

    kind = serializers.CharField(help_text="The import kind, e.g. households, works, disbursements.")
    file = serializers.FileField(help_text="An .xlsx workbook or a .csv file with a header row.")
    skip_duplicates = serializers.BooleanField(required=False, default=False)


class CellErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class CountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    error_rows = serializers.IntegerField()


class LayoutSerializer(serializers.Serializer):
    """How the file was understood: its header as read (column → field), the title's context, the sections,
    the totals checked against the rows they sum, the rows not read as data and why, the end of the table."""

    header_rows = serializers.ListField(child=serializers.IntegerField())
    columns = serializers.ListField(child=serializers.DictField())
    ignored = serializers.ListField(child=serializers.DictField())
    context = serializers.DictField()
    sections = serializers.ListField(child=serializers.DictField())
    totals = serializers.ListField(child=serializers.DictField())
    skipped = serializers.ListField(child=serializers.DictField())
    end = serializers.DictField(allow_null=True)


class ImportJobSerializer(ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    running = serializers.SerializerMethodField()
    rows_done = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "filename",
            "skip_duplicates",
            "status",
            "status_label",
            "running",
            "rows_done",
            "rows_total",
            "error",
            "created_at",
            "confirmed_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_running(self, job) -> bool:
        return job.is_running and not job_is_stale(job)

    def get_rows_done(self, job) -> int:
        return job_rows_done(job)


class ImportJobDetailSerializer(ImportJobSerializer):
    """A job with its result: the counts, and the errors, duplicates and refusals with their row and column."""

    counts = serializers.SerializerMethodField()
    written = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    errors_dropped = serializers.SerializerMethodField()
    rejected = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    layout = serializers.SerializerMethodField()

    class Meta(ImportJobSerializer.Meta):
        fields = [
            *ImportJobSerializer.Meta.fields,
            "counts",
            "written",
            "errors",
            "errors_dropped",
            "rejected",
            "duplicates",
            "warnings",
            "notes",
            "layout",
        ]
        read_only_fields = fields

    def _result(self, job) -> dict:
        return job.result or {}

    def get_counts(self, job) -> CountsSerializer(allow_null=True):
        result = self._result(job)
        return {name: result.get(name, 0) for name in COUNTS} if result else None

    def get_written(self, job) -> bool:
        return bool(self._result(job).get("written"))

    def get_errors(self, job) -> CellErrorSerializer(many=True):
        return self._result(job).get("errors", [])

    def get_errors_dropped(self, job) -> int:
        return self._result(job).get("errors_dropped", 0)

    def get_rejected(self, job) -> CellErrorSerializer(many=True):
        return self._result(job).get("rejected", [])

    def get_duplicates(self, job) -> CellErrorSerializer(many=True):
        return self._result(job).get("duplicates", [])

    def get_warnings(self, job) -> CellErrorSerializer(many=True):
        return self._result(job).get("warnings", [])

    def get_notes(self, job) -> serializers.ListField(child=serializers.CharField()):
        return self._result(job).get("notes", [])

    def get_layout(self, job) -> LayoutSerializer(allow_null=True):
        return self._result(job).get("layout") or None
