"""The review page in a real browser: Debian's headless Chromium driven by Selenium.

Checks the rendered DOM, not the HTML source: the bead count, every sentence of both
articles exactly once, injected markup shown as text and never run, the page loading
nothing from outside, its layout on a laptop and a phone, low-confidence beads, unmatched
sentences and wire copy visibly marked, and the mark-and-export flow producing the
corrected alignment (in the text box and as a downloaded bead file).

Screenshots go to a temporary folder, or to ``$ALIGN_SCREENSHOTS`` to keep them.
Without ``/usr/bin/chromium`` (``apt-get install chromium chromium-driver``) the tests
skip, except in CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest

from align.api import align_files, align_texts
from align.evaluate import read_beads
from align.export.beads import format_bead
from align.report import collection_wire_copy, write_report
from align.types import Alignment
from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

ROOT = Path(__file__).resolve().parents[1]
SRC = next((ROOT / "samples").glob("000_*.txt"))  # German
TGT = next((ROOT / "samples").glob("001_*.txt"))  # English

INJECTED_DE = (
    "Vorsicht: <script>alert(1)</script> steht hier als Text.\n"
    "Eine Zelle endet </td></tr></table> mitten im Satz.\n"
    'Ein Bild <img src=x onerror="window.__pwned=1"> und <script>window.__pwned=2</script> laufen nie.\n'
)
INJECTED_EN = (
    "Careful: <script>alert(1)</script> is text here.\n"
    "A cell ends </td></tr></table> in mid-sentence.\n"
    'An image <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> never run.\n'
)

LAPTOP, PHONE = (1366, 900), (390, 844)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver"
        if IN_CI:
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots() -> Path:
    keep = os.environ.get("ALIGN_SCREENSHOTS")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="align-screens-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Alignment, Path]:
    alignment = align_files(str(SRC), str(TGT), "de", "en")
    page = tmp_path_factory.mktemp("report") / "sample.html"
    write_report(alignment, page)
    return alignment, page


def load(driver, page: Path, size: tuple[int, int] = LAPTOP) -> None:
    driver.set_window_size(*size)
    driver.get(page.as_uri())
    driver.get_log("browser")  # start each page with an empty console


def sentences(driver, side: str) -> list[tuple[int, str]]:
    return [tuple(x) for x in driver.execute_script(
        "return Array.from(document.querySelectorAll('#beads .side.' + arguments[0] + ' .s'))"
        ".map(e => [Number(e.dataset.id), e.textContent])", side)]


def assert_every_sentence_once(driver, alignment: Alignment) -> None:
    for side, doc in (("src", alignment.src), ("tgt", alignment.tgt)):
        assert sentences(driver, side) == [(s.id, s.text) for s in doc.sentences], side
    # and each one is rendered (a box on the page), not hidden
    assert driver.execute_script(
        "return Array.from(document.querySelectorAll('.s')).every(e => e.getClientRects().length > 0)"
    )


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_sample_report_renders_every_sentence_once(browser, sample, shots: Path) -> None:
    alignment, page = sample
    load(browser, page)
    assert browser.execute_script("return document.querySelectorAll('#beads .bead').length") == len(alignment.beads)
    assert_every_sentence_once(browser, alignment)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    # the inline style and script passed the page's own Content Security Policy
    assert browser.execute_script("return getComputedStyle(document.querySelector('.bead')).display") == "grid"
    assert console_errors(browser) == []
    # laptop: source and target side by side
    src_box, tgt_box = browser.execute_script(
        "const b = document.querySelector('.bead'); return [b.querySelector('.src').getBoundingClientRect().toJSON(),"
        " b.querySelector('.tgt').getBoundingClientRect().toJSON()]")
    assert tgt_box["left"] >= src_box["right"] and abs(tgt_box["top"] - src_box["top"]) < 1
    browser.save_screenshot(str(shots / "report-laptop.png"))

    # phone: stacked, nothing wider than the screen
    load(browser, page, PHONE)
    src_box, tgt_box = browser.execute_script(
        "const b = document.querySelector('.bead'); return [b.querySelector('.src').getBoundingClientRect().toJSON(),"
        " b.querySelector('.tgt').getBoundingClientRect().toJSON()]")
    assert tgt_box["top"] >= src_box["bottom"] and abs(tgt_box["left"] - src_box["left"]) < 1
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert_every_sentence_once(browser, alignment)
    browser.execute_script("document.getElementById('b1').scrollIntoView()")
    browser.save_screenshot(str(shots / "report-phone.png"))
    assert (shots / "report-laptop.png").stat().st_size > 10_000


def test_injected_markup_shows_as_text_and_never_runs(browser, tmp_path: Path, shots: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    alignment = align_texts(INJECTED_DE, INJECTED_EN, "de", "en")
    page = tmp_path / "injected.html"
    write_report(alignment, page)
    load(browser, page)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018  (alert(1) never opened)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.scripts.length") == 1  # the page's own
    assert browser.execute_script("return document.querySelectorAll('img, #beads table, #beads td').length") == 0
    assert_every_sentence_once(browser, alignment)
    shown = browser.execute_script("return document.getElementById('beads').innerText")
    for needle in ("<script>alert(1)</script>", "</td></tr></table>", 'onerror="window.__pwned=1"'):
        assert needle in shown
    assert browser.execute_script("return document.querySelectorAll('#beads .bead').length") == len(alignment.beads)
    browser.save_screenshot(str(shots / "report-injected.png"))


def expected_export(alignment: Alignment, wrong: set[int]) -> str:
    """The corrected alignment: a wrong bead's sentences become unmatched, the rest stay as they were."""
    lines: list[str] = []
    for k, bead in enumerate(alignment.beads):
        if k in wrong:
            lines += [f"[{i}]:[]:0.0" for i in bead.src] + [f"[]:[{j}]:0.0" for j in bead.tgt]
        else:
            lines.append(format_bead(bead))
    return "\n".join(lines) + "\n"


def downloaded(folder: Path, name: str, timeout: float = 15.0) -> str:
    path = folder / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and not list(folder.glob("*.crdownload")):
            return path.read_text(encoding="utf-8")
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; folder has {sorted(os.listdir(folder))}")


def test_mark_and_export_gives_the_corrected_alignment(browser, sample, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    alignment, page = sample
    load(browser, page)
    matched = [k for k, b in enumerate(alignment.beads) if b.is_match]
    wrong = {matched[0], matched[3]}

    # nothing marked: the export is exactly what `align pair --format beads` writes
    browser.find_element(By.ID, "export-beads").click()
    text = browser.find_element(By.ID, "export-text").get_attribute("value")
    assert text == expected_export(alignment, set())
    stem = f"{SRC.stem}-{TGT.stem}"
    assert downloaded(browser.downloads, f"{stem}.reviewed.beads") == text

    for k in sorted(wrong):
        browser.find_element(By.CSS_SELECTOR, f"#b{k} input.mark").click()
    assert browser.find_element(By.ID, "marked-count").text == "2 marked wrong"
    assert {int(e.get_attribute("data-index")) for e in browser.find_elements(By.CSS_SELECTOR, ".bead.wrong")} == wrong

    # only flagged beads: unmatched, low-confidence and marked
    browser.find_element(By.ID, "only-flagged").click()
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('.bead')).filter(e => e.getClientRects().length).map(e => Number(e.dataset.index))")
    assert set(visible) == wrong | {k for k, b in enumerate(alignment.beads) if not b.is_match or b.score < 0.5}
    browser.find_element(By.ID, "only-flagged").click()

    for done in browser.downloads.iterdir():  # the first export above downloaded one too
        done.unlink()
    browser.find_element(By.ID, "export-beads").click()
    text = browser.find_element(By.ID, "export-text").get_attribute("value")
    assert text == expected_export(alignment, wrong)
    assert downloaded(browser.downloads, f"{stem}.reviewed.beads") == text
    beads = read_beads(browser.downloads / f"{stem}.reviewed.beads")  # what `align eval` reads
    assert [i for s, _ in beads for i in s] == list(range(len(alignment.src)))
    assert [j for _, t in beads for j in t] == list(range(len(alignment.tgt)))
    assert len(beads) == len(alignment.beads) + sum(len(alignment.beads[k].src) + len(alignment.beads[k].tgt) - 1 for k in wrong)

    browser.find_element(By.ID, "export-json").click()
    data = json.loads(downloaded(browser.downloads, f"{stem}.reviewed.json"))
    assert data["marked_wrong"] == sorted(wrong)
    assert data["src"] == {"doc": str(SRC), "lang": "de", "sentences": len(alignment.src)}
    assert [(b["src"], b["tgt"]) for b in data["beads"]] == [([*s], [*t]) for s, t in beads]
    split = [b for b in data["beads"] if b["status"] == "split"]
    assert sorted(i for b in split for i in b["src"]) == sorted(i for k in wrong for i in alignment.beads[k].src)
    for b in data["beads"]:
        assert b["src_text"] == [alignment.src.sentences[i].text for i in b["src"]]
        assert b["tgt_text"] == [alignment.tgt.sentences[j].text for j in b["tgt"]]
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shots / "report-marked.png"))

    # unmarking takes a bead back
    browser.find_element(By.CSS_SELECTOR, f"#b{matched[0]} input.mark").click()
    browser.find_element(By.ID, "export-beads").click()
    assert browser.find_element(By.ID, "export-text").get_attribute("value") == expected_export(alignment, {matched[3]})
    assert console_errors(browser) == []


def background(driver, selector: str) -> list[str]:
    """Computed background colours: what a reader sees, whatever the class names say."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => getComputedStyle(e).backgroundColor)",
        selector)


def test_low_confidence_unmatched_and_wire_copy_are_visibly_marked(browser, sample, tmp_path: Path, shots: Path) -> None:
    """A reprint of three English sentences in the collection: its passage is highlighted on both sides."""
    alignment, _ = sample
    reprint = tmp_path / "reprint.txt"
    reprint.write_text(
        "A local desk adds its own introduction about the weather in Ohio today.\n"
        + " ".join(s.text for s in alignment.tgt.sentences[8:11])
        + "\nAnd a closing line about sports scores and the local team.\n",
        encoding="utf-8",
    )
    report = collection_wire_copy(alignment, [str(reprint), str(SRC.parent)])  # the pair's own files are skipped
    page = tmp_path / "wire.html"
    low = 0.78  # the sample's two weakest beads (0.775, 0.775) fall below it
    write_report(alignment, page, wirecopy=report, low_score=low)
    load(browser, page)
    assert_every_sentence_once(browser, alignment)  # the passage list links to sentences, never repeats them
    assert console_errors(browser) == []

    plain_bead = background(browser, ".bead:not(.low):not(.gap)")[0]
    low_beads = browser.execute_script("return Array.from(document.querySelectorAll('.bead.low')).map(e => Number(e.dataset.index))")
    assert low_beads == [k for k, b in enumerate(alignment.beads) if b.is_match and b.score < low]
    assert len(low_beads) == 2
    assert plain_bead not in background(browser, ".bead.low")
    assert set(background(browser, ".bead.gap")).isdisjoint({plain_bead, *background(browser, ".bead.low")})
    assert browser.execute_script("return document.querySelectorAll('.bead.gap .none').length") == sum(
        1 for b in alignment.beads if not b.is_match and (not b.src or not b.tgt))

    wire = browser.execute_script(
        "return Array.from(document.querySelectorAll('#beads .s.wire')).map(e => [e.id, e.title])")
    wire_tgt = {int(i.split("-")[-1]) for i, _ in wire if i.startswith("s-tgt-")}
    assert {8, 9, 10} <= wire_tgt
    assert any(i.startswith("s-src-") for i, _ in wire)  # the German translation of the copied passage too
    assert all("reprint.txt" in title for _, title in wire)
    plain_sentence = background(browser, "#beads .s:not(.wire)")[0]
    assert plain_sentence in ("rgba(0, 0, 0, 0)", plain_bead)
    assert plain_sentence not in background(browser, "#beads .s.wire")
    heading = browser.execute_script("return document.querySelector('#wire h2').textContent")
    assert heading.endswith("(collection of 6 documents)")
    assert "reprint.txt" in browser.execute_script("return document.getElementById('wire').innerText")
    browser.execute_script("document.getElementById('s-tgt-8').scrollIntoView({block: 'center'})")
    browser.save_screenshot(str(shots / "report-wire.png"))
