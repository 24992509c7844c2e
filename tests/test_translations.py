"""The Vietnamese translation: complete, compiled, and what the admin shows.

`locale/vi/LC_MESSAGES/django.po` is the source; `django.mo` is committed beside it because a fresh machine
may lack GNU gettext. After `makemessages`, translate every new msgid, then run `compilemessages`.
"""

import ast
import gettext
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.utils import translation

from programs.choices import CapitalTypeChoices
from tracker.choices import PovertyStatusChoices
from tracker.models import Work

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# Python %-placeholders, e.g. %(amount)s, %(count)d, %(seconds).1f; and str.format fields, e.g. {} or {name}.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{[^{}]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[n] for n in sorted(self.msgstr)]


def parse_po(text: str) -> list[Entry]:
    """The active entries of a .po file (obsolete `#~` entries are left out), header included as msgid ""."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[str, int | None] | None = None

    def start(number: int) -> Entry:
        nonlocal entry
        if entry is None:
            entry = Entry(line=number)
        return entry

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            if entry is not None and entry.msgstr:  # a block of only comments and `#~` lines is no entry
                entries.append(entry)
            entry, current = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            start(number).flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert current is not None, f"django.po:{number}: a continuation line outside an entry"
            value = ast.literal_eval(line)
            target = start(number)
            keyword, index = current
            if keyword == "msgstr":
                target.msgstr[index] += value
            else:
                setattr(target, keyword, getattr(target, keyword) + value)
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        target = start(number)
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target.msgstr[index] = value
            current = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(target, keyword, value)
            current = (keyword, None)
        else:
            raise AssertionError(f"django.po:{number}: unexpected line {raw!r}")
    if entry is not None and entry.msgstr:
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if e.msgid]


def _header(po_entries) -> dict[str, str]:
    header = next(e for e in po_entries if e.msgid == "" and e.msgctxt is None)
    return dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if line)


def test_po_header(po_entries):
    header = _header(po_entries)
    assert header["Language"] == "vi"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "fuzzy" not in po_entries[0].flags


def test_every_msgid_is_translated(messages):
    assert len(messages) > 300
    untranslated = [e.msgid for e in messages if not all(s.strip() for s in e.translations)]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"


def test_plural_entries_have_one_form(messages):
    for entry in (e for e in messages if e.msgid_plural is not None):
        assert sorted(entry.msgstr) == [0], entry.msgid


def test_translations_are_nfc_and_keep_placeholders(messages):
    for entry in messages:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.translations:
            assert unicodedata.is_normalized("NFC", text), entry.msgid
            assert sorted(PLACEHOLDER.findall(text)) == expected, f"{entry.msgid!r} -> {text!r}"


def test_mo_is_compiled_from_the_po(messages):
    """The committed .mo gives, for every msgid of the .po, the .po's msgstr: run compilemessages if not."""
    with open(MO_PATH, "rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.info()["language"] == "vi"
    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            got = [catalog.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2, 5)]
            want = [entry.msgstr[0]] * 3
        elif entry.msgctxt is not None:
            got, want = catalog.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]
        else:
            got, want = catalog.gettext(entry.msgid), entry.msgstr[0]
        if got != want:
            stale.append(entry.msgid)
    assert not stale, f"django.mo is stale for {len(stale)} messages, e.g. {stale[:10]}: run compilemessages"


def test_key_labels_in_vietnamese():
    work_admin = admin.site._registry[Work]
    with translation.override("vi"):
        assert str(Work._meta.verbose_name_plural) == "công trình"
        assert str(Work._meta.get_field("investor").verbose_name) == "chủ đầu tư"
        assert str(work_admin.disbursement_rate.short_description) == "tỷ lệ giải ngân"
        assert str(CapitalTypeChoices.RECURRENT.label) == "Vốn sự nghiệp"
        assert str(CapitalTypeChoices.INVESTMENT.label) == "Vốn đầu tư phát triển"
        assert str(PovertyStatusChoices.NEAR_POOR.label) == "Hộ cận nghèo"
    with translation.override("en"):
        assert str(Work._meta.verbose_name_plural) == "works"
        assert str(work_admin.disbursement_rate.short_description) == "disbursement rate"
        assert str(CapitalTypeChoices.RECURRENT.label) == "Recurrent (sự nghiệp)"


@pytest.mark.django_db
def test_admin_index_in_vietnamese(client):
    """/admin/ is the default language (Vietnamese) whatever the browser asks; /en/admin/ is English."""
    user = User.objects.create_superuser("translator", "translator@example.com", "x")
    client.force_login(user)

    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi"' in page
    assert "Công trình và hộ gia đình" in page  # the tracker app
    assert "Khoản giải ngân" in page  # a model
    assert "Chương trình và nguồn vốn" in page
    assert "Works and households" not in page

    response = client.get("/en/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Works and households" in page
    assert "Disbursements" in page
    assert "Công trình và hộ gia đình" not in page
