"""Schemathesis hooks of bench/fuzz_api.sh: with FUZZ_ANONYMOUS=1, any 2xx answer is a failure (nothing of
the API may be read or written without a token or a session)."""

import os

import schemathesis


@schemathesis.check
def no_anonymous_success(ctx, response, case):
    if os.environ.get("FUZZ_ANONYMOUS") == "1" and 200 <= response.status_code < 300:
        raise AssertionError(f"{case.method} {case.formatted_path} answered {response.status_code} anonymously")
