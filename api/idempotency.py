"""`Idempotency-Key`: a write retried with the same key gets the first answer and writes nothing again.

    class WorkViewSet(...):
        @idempotent()
        def create(self, request, *args, **kwargs): ...

The rule, for a handler decorated with `idempotent` (the API's POST, PUT and PATCH):

- Without the header the request runs as usual. With it (1 to 255 visible ASCII characters, e.g. a UUID),
  the key is the user's own: another user's equal key is another key.
- The first request with a key runs inside one transaction that begins by inserting the key's row; its
  answer (status, body, `Location` and `ETag`) is stored in that row before the transaction commits. A
  request with the same key that comes while the first still runs waits on the unique constraint (PostgreSQL's
  lock on the inserted row's index entry; SQLite's write lock) and, once the first has committed, gets its answer; if
  the first was refused or failed (its row is rolled back with it), it runs as a first request.
- A retry (same key, method, path, query string and body: the body as parsed, so spacing and key order do
  not matter) gets the stored answer, with `Idempotent-Replayed: true`, and nothing runs. The same key with
  another method, path, query or body is 409 (`idempotency_key_reused`).
- Only a success (a status below 400) is kept. A refusal (4xx) wrote nothing, so there is nothing to guard:
  its row is rolled back with it and the key stays free, for the same request again or a corrected one
  (with a fixed body, or the If-Match it lacked). A server error rolls back too.
- Answers are kept KEPT_FOR (24 hours); a user's expired keys are deleted when the user sends the next
  key (`manage.py purge_idempotency_keys` deletes everybody's).
- A request the view says writes nothing (`skip`, e.g. a bulk post's dry run) is neither stored nor
  replayed: its answer may change as the data does, and a client may check with a key, then post with it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import Conflict
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_FOR = datetime.timedelta(hours=24)
KEPT_HEADERS = ("Location", "ETag")
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "A key of your choice (e.g. a UUID), new for each new request: once a request with it succeeded, a retry "
        "with the same key and the same request gets that answer (with `Idempotent-Replayed: true`) and writes "
        "nothing again; the same key with another request is 409. A refusal (4xx) is not kept. Kept 24 hours, "
        "per official."
    ),
)


def _file_digest(upload) -> dict:
    """An uploaded file as the fingerprint sees it: its name, size and the SHA-256 of its bytes."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {"name": upload.name, "size": upload.size, "sha256": digest.hexdigest()}


def request_hash(request) -> str:
    """SHA-256 of the request's query string (its pairs sorted) and its body as parsed (keys sorted; an
    uploaded file by its bytes, so that another file under the same key is another request)."""
    query = sorted(request.query_params.lists())
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (a form, a multipart upload)
        data = sorted(
            (name, [_file_digest(value) if isinstance(value, UploadedFile) else value for value in values])
            for name, values in data.lists()
        )
    text = json.dumps([query, data], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _read_key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not _KEY.match(key):
        message = _("Expected 1 to 255 visible ASCII characters (such as a UUID); found “%(value)s”.") % {
            "value": key[:60]
        }
        raise exceptions.ValidationError({HEADER: [exceptions.ErrorDetail(message, code="invalid")]})
    return key


def purge_expired(*, user=None, now: datetime.datetime | None = None) -> int:
    """Delete the stored answers older than KEPT_FOR (of `user`, or everybody's); returns how many."""
    keys = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - KEPT_FOR)
    if user is not None:
        keys = keys.filter(user=user)
    return keys.delete()[0]


def _replay(record: IdempotencyKey, request, fingerprint: str) -> Response:
    if (record.method, record.path, record.request_hash) != (request.method, request.path, fingerprint):
        raise Conflict(
            _(
                "This Idempotency-Key was already used, for another request (%(method)s %(path)s, or another "
                "body); give a new key for a new request."
            )
            % {"method": record.method, "path": record.path},
            code="idempotency_key_reused",
        )
    if record.response_status is None:  # not reachable while the first request holds its row; kept as a guard
        raise Conflict(_("A request with this Idempotency-Key is still being processed."), code="in_progress")
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.response_status, headers=headers)


def _stored_data(response: Response):
    data = getattr(response, "data", None)
    return None if data is None else json.loads(JSONRenderer().render(data))


def _answer_once(view, request, key: str, run: Callable[[], Response]) -> Response:
    fingerprint = request_hash(request)
    user = request.user
    with transaction.atomic():
        purge_expired(user=user)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, method=request.method, path=request.path, request_hash=fingerprint
                )
        except IntegrityError:
            # Another request holds (or held) this key: its answer, once it has committed.
            record = IdempotencyKey.objects.get(user=user, key=key)
            return _replay(record, request, fingerprint)
        try:
            with transaction.atomic():
                response = run()
        except Exception as exc:  # noqa: BLE001 - answered as DRF answers it; what it cannot answer re-raises
            response = view.handle_exception(exc)
        if response.status_code >= 400:
            transaction.set_rollback(True)  # nothing was written: the key's row goes too, a retry runs again
            return response
        record.response_status = response.status_code
        record.response_body = _stored_data(response)
        record.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        record.save(update_fields=["response_status", "response_body", "response_headers"])
    return response


def idempotent(*, skip: Callable | None = None):
    """Make a view's handler honour `Idempotency-Key` (see the module docstring); `skip(view, request)` true
    for a request that writes nothing (not stored)."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(self, request, *args, **kwargs):
            key = _read_key(request)
            if key is None or (skip is not None and skip(self, request)):
                return handler(self, request, *args, **kwargs)
            return _answer_once(self, request, key, lambda: handler(self, request, *args, **kwargs))

        wrapper.idempotent = True
        return wrapper

    return decorate
