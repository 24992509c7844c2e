"""What a hostile upload costs the web process: `python -m bench.hostile_uploads [--repeat 3] [--cases ...]`.

Each case is a file built to hurt (a 256 MB CSV of one line, XML that expands far beyond its rows, a zip bomb,
a file over the size limit), posted to the admin's upload page exactly as a browser posts it: a multipart body
streamed from disk into Django's WSGI handler (`WSGIHandler`, the middleware, CSRF, the session, the upload
handlers writing the file to a temporary file, `UploadForm`, `import_job_create`, and the check, a dry run of
`run_import`, in the request: NTP_IMPORT_RUNNER=sync). Each post runs in a fresh process, whose peak RSS is
taken from the kernel when it ends (`os.wait4`, the rusage of that process alone) with its wall time. The
anchor, measured in the same run: the same post of a valid 50,000-row households CSV (the check a real upload
costs), and a process that only starts Django and the database (what any request costs).

After each post the child checks what the refusal must leave: no stored upload under MEDIA_ROOT/imports, no
temporary file (TMPDIR is a folder of its own), and the message the official reads.

Files are written once under bench/results/hostile/ (ignored by git; 1.5 GB with the multipart bodies), with
the SQLite database of the run (DATABASE_URL is set to it for the children; nothing else is touched). Goal: every
refused upload in ≤ 200 MB of peak RSS, within seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "bench" / "results" / "hostile"
MB = 1024 * 1024
GOAL_MB = 200
BOUNDARY = "----ntp-bench-boundary-7c1f"
CSRF = "benchcsrfsecret0123456789abcdefg"  # 32 characters: a CSRF secret, sent as cookie and as form field
HEADER = "Mã hộ,Họ tên chủ hộ,Số CCCD,Mã dân tộc,Dân tộc,Mã xã,Tên xã,Thôn/bản,Số nhân khẩu\r\n"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# -- the files ------------------------------------------------------------------------------------------------


def _random_text(size: int) -> bytes:
    """`size` bytes of hex digits: valid text anywhere, compressing about 2 times (no zip-bomb ratio)."""
    return os.urandom((size + 1) // 2).hex().encode()[:size]


def _write_csv_one_line(path: Path) -> None:
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf" + HEADER.encode() + b"IMP-1,")
        left = 256 * MB - 4096 - out.tell()
        while left > 0:
            out.write(_random_text(min(left, 8 * MB)))
            left -= 8 * MB
        out.write(b"\r\n")


def _write_csv_too_large(path: Path) -> None:
    line = "IMP-{:07d},Hoàng Văn Hùng,006112345678,09,Dao,02011,Xã Mỹ Thanh,Thôn Nà Mới,4\r\n"
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf" + HEADER.encode())
        number = 0
        while out.tell() < 300 * MB:
            out.write("".join(line.format(number + i) for i in range(10_000)).encode())
            number += 10_000


def _workbook_parts(sheet_member: str = "xl/worksheets/sheet1.xml", shared: bool = False) -> dict[str, bytes]:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    relations = f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared:
        relations += f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
    return {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets><sheet name="Hộ" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}">{relations}</Relationships>'.encode(),
    }


def _header_row() -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(HEADER.strip().split(","))
    )
    return f'<row r="1">{cells}</row>'.encode()


def _write_xlsx(path: Path, sheet_pieces, shared_pieces=None) -> None:
    """An .xlsx whose sheet (and table of texts) are the byte strings `*_pieces` yields, streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in _workbook_parts(shared=shared_pieces is not None).items():
            archive.writestr(name, data)
        for name, pieces in (("xl/worksheets/sheet1.xml", sheet_pieces), ("xl/sharedStrings.xml", shared_pieces)):
            if pieces is None:
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece)


def _sheet(rows, tail: bytes = b""):
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
    yield _header_row()
    yield from rows
    yield b"</sheetData>" + tail + b"</worksheet>"


def _empty_rows():
    # Millions of <row/>s holding nothing, numbered at random (what a generator gone wrong, or an attacker, writes).
    for _ in range(150):
        numbers = os.urandom(40_000 * 3)
        yield b"".join(
            b'<row r="%d" spans="1:9"/>' % (2 + int.from_bytes(numbers[i : i + 3], "big") % 1_000_000)
            for i in range(0, len(numbers), 3)
        )


def _garbage_elements():
    # Runs of unknown elements with random names between the rows: 230 MB of XML for one row.
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>IMP-1</t></is></c></row>'
    for _ in range(115):
        names = os.urandom(256 * 1024).hex().encode()
        yield b"".join(b"<x" + names[i : i + 4] + b"/>" for i in range(0, len(names), 4))


def _deep_nesting():
    names = os.urandom(8 * MB).hex().encode()  # 4 million elements, each open
    yield b'<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3">'
    for start in range(0, len(names), 1 << 20):
        yield b"".join(b"<x" + names[i : i + 4] + b">" for i in range(start, start + (1 << 20), 4))


def _huge_cell():
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    for _ in range(25):
        yield _random_text(4 * MB)  # a cell of 100 MB
    yield b"</t></is></c></row>"


def _shared_table(items):
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    yield from items
    yield b"</sst>"


def _huge_text():
    yield b"<si><t>a</t></si><si><t>"
    for _ in range(25):
        yield _random_text(4 * MB)
    yield b"</t></si>"


def _many_texts():
    for block in range(120):  # 12 million texts
        yield b"".join(b"<si><t>%d</t></si>" % (block * 100_000 + i) for i in range(100_000))


def _shared_rows():
    yield b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'


def _write_zip_bomb(path: Path) -> None:
    parts = _workbook_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode() + _header_row())
            zeros = b" " * (16 * MB)
            for _ in range(2047 // 16):  # 2 GB of spaces, a few MB compressed
                member.write(zeros)
            member.write(b"</sheetData></worksheet>")


def _write_valid_csv(path: Path) -> None:
    line = "IMP-{:07d},Hoàng Văn {},0061{:08d},09,Dao,{},{},Thôn Nà Mới,{}\r\n"
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf" + HEADER.encode())
        out.write(
            "".join(line.format(n, n, n, "{commune}", "{commune_name}", 3 + n % 4) for n in range(50_000)).encode()
        )


CASES = {
    "csv-one-line": ("a 256 MB CSV of one line", "csv", _write_csv_one_line),
    "csv-too-large": ("a 300 MB CSV, over the 256 MB limit", "csv", _write_csv_too_large),
    "zip-bomb": ("a zip bomb: 2 GB of sheet in a few MB", "xlsx", _write_zip_bomb),
    "xlsx-empty-rows": (
        "6 million empty <row/>s (260 MB of XML)",
        "xlsx",
        lambda path: _write_xlsx(path, _sheet(_empty_rows())),
    ),
    "xlsx-garbage": (
        "230 MB of unknown elements for one row",
        "xlsx",
        lambda path: _write_xlsx(path, _sheet(_garbage_elements())),
    ),
    "xlsx-nested": (
        "elements nested 4 million deep (22 MB)",
        "xlsx",
        lambda path: _write_xlsx(path, _sheet(_deep_nesting())),
    ),
    "xlsx-huge-cell": ("a cell of 100 MB of text", "xlsx", lambda path: _write_xlsx(path, _sheet(_huge_cell()))),
    "xlsx-huge-text": (
        "a text of 100 MB in the table of texts",
        "xlsx",
        lambda path: _write_xlsx(path, _sheet(_shared_rows()), _shared_table(_huge_text())),
    ),
    "xlsx-many-texts": (
        "12 million texts in the table of texts (260 MB)",
        "xlsx",
        lambda path: _write_xlsx(path, _sheet(_shared_rows()), _shared_table(_many_texts())),
    ),
}
ANCHOR = "valid-50000"


def upload_file(case: str) -> Path:
    FOLDER.mkdir(parents=True, exist_ok=True)
    suffix = "csv" if case == ANCHOR else CASES[case][1]
    path = FOLDER / f"{case}.{suffix}"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_name(f"part-{path.name}")
        (_write_valid_csv if case == ANCHOR else CASES[case][2])(partial)
        partial.rename(path)
        print(f"   wrote {path.name} ({path.stat().st_size / MB:,.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


def multipart_body(upload: Path, *, commune: tuple[str, str] | None = None) -> Path:
    """The body a browser posts for `upload` on the upload page, written beside it once."""
    body = upload.with_name(f"{upload.name}.multipart")
    if body.exists():
        return body
    with open(body, "wb") as out:
        for name, value in (("csrfmiddlewaretoken", CSRF), ("kind", "households")):
            out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{upload.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        with open(upload, "rb") as source:
            if commune:  # the valid file names a commune of the database
                out.write(
                    source.read()
                    .replace(b"{commune}", commune[0].encode())
                    .replace(b"{commune_name}", commune[1].encode())
                )
            else:
                shutil.copyfileobj(source, out, 8 * MB)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return body


# -- a child: one post ----------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{FOLDER / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(FOLDER / "media"),
        DJANGO_DEBUG="1",  # plain HTTP on localhost
        NTP_IMPORT_RUNNER="sync",
        DJANGO_SETTINGS_MODULE="config.settings",
        TMPDIR=str(FOLDER / "tmp"),
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def setup_database() -> tuple[str, str]:
    """Migrate the run's database, with the localities, the ethnic groups and a superuser; a commune."""
    env = _environment()
    FOLDER.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, "manage.py"]
    if not (FOLDER / "db.sqlite3").exists():
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "load_localities"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*manage, "loaddata", "ethnic_groups", "-v", "0"], cwd=ROOT, env=env, check=True)
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth.models import User\n"
        "from localities.models import Commune\n"
        "User.objects.filter(username='bench').exists() or User.objects.create_superuser('bench', '', 'x')\n"
        "c = Commune.objects.filter(valid_to__isnull=True).order_by('code').first() or Commune.objects.first()\n"
        "print(c.code + '|' + c.name)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    code_, name = found.stdout.strip().splitlines()[-1].split("|")
    return code_, name


def post_once(body: Path) -> dict:
    """In the child: post `body` to the upload page through the WSGI handler; what came of it."""
    import django

    started = time.perf_counter()
    django.setup()
    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    from imports.models import ImportJob

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    session = client.cookies["sessionid"].value
    before = ImportJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    media, temporary = FOLDER / "media" / "imports", FOLDER / "tmp"
    stored_before = {str(path) for path in media.rglob("*") if path.is_file()}
    baseline = _rss_mb()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/admin/imports/importjob/add/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.stat().st_size),
        "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF}",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    posted = time.perf_counter()
    with open(body, "rb") as stream:
        environ["wsgi.input"] = stream
        response = WSGIHandler()(environ, lambda code, headers, exc_info=None: status.append(code))
        content = b"".join(response)
        response.close()
    seconds = time.perf_counter() - posted
    job = ImportJob.objects.filter(pk__gt=before).first()
    if job is not None:
        result = job.result or {}
        message = "; ".join(error["message"] for error in result.get("rejected", [])) or job.error
        outcome = {"status": job.status, "rows": result.get("rows"), "message": message, "file_kept": bool(job.file)}
        if job.status == "checked":
            from imports.tasks import import_job_delete

            import_job_delete(job=job)  # the anchor's file is kept by design; the next run starts clean
    else:
        text = content.decode("utf-8", "replace")
        start = text.find('class="errorlist')
        message = text[text.find(">", start) + 1 : text.find("</ul>", start)] if start >= 0 else text[:200]
        outcome = {"status": f"form {status[0]}", "rows": None, "message": _strip_tags(message), "file_kept": False}
    stored = sorted({str(path) for path in media.rglob("*") if path.is_file()} - stored_before)
    return {
        **outcome,
        "http": status[0],
        "seconds": seconds,
        "setup_seconds": posted - started,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
        "stored_files": stored,  # left by this post
        "temporary_files": [str(path) for path in temporary.rglob("*")],
    }


def baseline_once() -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import User

    User.objects.get(username="bench")
    return {"peak_rss_mb": _rss_mb()}


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text).strip()


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(*arguments: str) -> tuple[dict, float, float]:
    """Run a child; its result, its peak RSS (MB) by the kernel's rusage of that process, its wall seconds."""
    (FOLDER / "tmp").mkdir(exist_ok=True)
    started = time.perf_counter()
    log = FOLDER / "child.log"  # the child's log (logins, ...): shown only if it fails
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.hostile_uploads", *arguments],
            cwd=ROOT,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        output = process.stdout.read()
        _, code, usage = os.wait4(process.pid, 0)  # the rusage of this child alone
        process.returncode = code
    wall = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"child {arguments} failed: {log.read_text()[-3000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_uploads", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if options.child:
        print(json.dumps(post_once(options.child)))
        return 0
    if options.baseline:
        print(json.dumps(baseline_once()))
        return 0
    commune = setup_database()
    bodies = {case: multipart_body(upload_file(case)) for case in options.cases}
    bodies[ANCHOR] = multipart_body(upload_file(ANCHOR), commune=commune)
    baseline = statistics.median(_child("--baseline")[1] for _ in range(options.repeat))
    print(
        f"== hostile uploads through the upload page: {os.cpu_count()} CPUs, {options.repeat} posts each, "
        f"medians (RSS: the largest); Django and the database alone: {baseline:,.0f} MB"
    )
    print("| upload | file | outcome | message (start) | time (median) | peak RSS | goal | left behind |")
    print("|---|---|---|---|---|---|---|---|")
    for case in [*options.cases, ANCHOR]:
        runs = [_child("--child", str(bodies[case])) for _ in range(options.repeat)]
        results = [run[0] for run in runs]
        peak = max(run[1] for run in runs)
        seconds = statistics.median(result["seconds"] for result in results)
        first = results[0]
        left = sorted({name for r in results for name in [*r["stored_files"], *r["temporary_files"]]})
        label = "a valid 50,000-row CSV (anchor)" if case == ANCHOR else CASES[case][0]
        size = upload_file(case).stat().st_size / MB
        met = "met" if peak <= GOAL_MB else "NOT met"
        outcome = first["status"] + (f", {first['rows']:,} rows" if first.get("rows") else "")
        print(
            f"| {label} | {size:,.1f} MB | {outcome} | {first['message'][:90]} | {seconds:,.2f} s | {peak:,.0f} MB | "
            f"≤ {GOAL_MB} MB ({met}) | {len(left) or 'nothing'} |",
            flush=True,
        )
        if left:
            print(f"   left behind: {left[:5]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
