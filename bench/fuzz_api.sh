#!/usr/bin/env bash
# Fuzz the REST API with schemathesis (issue 12): every operation of the published schema, as a province
# data-entry official, as a commune viewer (demo users, tokens issued with api.services) and anonymously,
# against `runserver` on a throwaway copy of the demo SQLite database. Expects no 5xx, answers that conform
# to the schema (status codes, content types, bodies, headers), and no anonymous success.
#
#   .venv/bin/pip install schemathesis           # not in requirements.txt: a tool, not a dependency
#   bench/fuzz_api.sh                           # FUZZ_EXAMPLES=50 FUZZ_PORT=8837 FUZZ_DB=/tmp/fuzz.sqlite3
#
# The figures in docs/performance.md ("REST API (issue 12)") are of FUZZ_EXAMPLES=25: about 12 minutes.
# Reports (one ndjson and one pytest reproduction file per role) go to $FUZZ_DIR (/tmp/fuzz by default).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${FUZZ_PORT:-8837}
DB=${FUZZ_DB:-/tmp/fuzz.sqlite3}
DIR=${FUZZ_DIR:-/tmp/fuzz}
EXAMPLES=${FUZZ_EXAMPLES:-50}
mkdir -p "$DIR"
export DATABASE_URL="sqlite:///$DB" NTP_API_RATE=off DJANGO_SETTINGS_MODULE=config.settings

if [[ -z "${FUZZ_KEEP_DB:-}" ]]; then
  cp db.sqlite3 "$DB"
  rm -f "$DB-wal" "$DB-shm"
  .venv/bin/python manage.py migrate --no-input >"$DIR/migrate.log" 2>&1 || echo "migrate failed (see $DIR/migrate.log): fuzzing the schema it reached"
fi

# One token per role (a token row of the copy; the demo's own database is not touched).
.venv/bin/python - >"$DIR/tokens.env" <<'PY'
import django

django.setup()
from django.contrib.auth import get_user_model

from api.models import ApiToken
from api.services import api_token_create

for variable, username in (("ENTRY_KEY", "province.entry"), ("VIEWER_KEY", "commune.viewer")):
    user = get_user_model().objects.get(username=username)
    ApiToken.objects.filter(user=user, name="fuzz").delete()
    print(f"{variable}={api_token_create(user=user, name='fuzz')[1]}")
PY
source "$DIR/tokens.env"

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "127.0.0.1:$PORT is taken: set FUZZ_PORT" >&2; exit 1; fi
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" --noreload >"$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/" && break; sleep 1; done
curl -sf -H "Authorization: Bearer $ENTRY_KEY" "http://127.0.0.1:$PORT/api/v1/schema/?format=json" -o "$DIR/schema.json"

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
CHECKS=$CHECKS,response_headers_conformance,ignored_auth,no_anonymous_success
run() {  # run <role> [header]
  local role=$1; shift
  echo "== $role"
  SCHEMATHESIS_HOOKS=bench.fuzz_hooks PYTHONPATH=. .venv/bin/schemathesis run "$DIR/schema.json" \
    --url "http://127.0.0.1:$PORT" "$@" --checks "$CHECKS" --max-examples "$EXAMPLES" --seed 12 \
    --workers 2 --continue-on-failure --no-color --generation-database none \
    --report ndjson,pytest --report-ndjson-path "$DIR/$role.ndjson" --report-pytest-path "$DIR/test_$role.py" \
    >"$DIR/$role.txt" 2>&1 || true
  tail -n 25 "$DIR/$role.txt"
}
run entry -H "Authorization: Bearer $ENTRY_KEY" -H "Accept-Language: en"
run viewer -H "Authorization: Bearer $VIEWER_KEY" -H "Accept-Language: en"
FUZZ_ANONYMOUS=1 run anonymous -H "Accept-Language: en"
