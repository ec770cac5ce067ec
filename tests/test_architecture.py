"""The shape of the program: the import contracts hold, no module imports itself in a circle, and the
reportlab internals that letters/pdf.py patches are still there as the patches expect."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "BROKEN" not in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("KEPT") == 3


def test_no_import_circles() -> None:
    """No chain of imports (lazy ones included, type-checking ones not) leads from a module back to itself."""
    import grimp

    graph = grimp.build_graph("faxcampaign", exclude_type_checking_imports=True)
    modules = sorted(m for m in graph.modules if m != "faxcampaign")
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == "faxcampaign" or not imported.startswith("faxcampaign."):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    assert circles == []


def test_the_reportlab_internals_the_pdf_toolkit_patches() -> None:
    """letters/pdf.py swaps pdfdoc.PDFArray while a TrueType font adds its objects (_reusing_subsets and
    _numbers_array), wraps PDFZCompress.encode (_reuse_compressed), measures characters once
    (_measure_characters_once) and keeps a split paragraph's lines (_keep_lines_across_pages). A reportlab
    release that renames or reshapes them must fail here, by name, before it changes a letter."""
    from reportlab.pdfbase import pdfdoc, ttfonts

    assert "PDFArray" in ttfonts.TTFont.addObjects.__code__.co_names, \
        "_reusing_subsets: TTFont.addObjects no longer names pdfdoc.PDFArray"
    assert list(inspect.signature(pdfdoc.PDFArray.format).parameters) == ["self", "document", "IND"], \
        "_numbers_array: PDFArray.format(document, IND) changed"
    assert "sequence" in inspect.getsource(pdfdoc.PDFArray.__init__), "_numbers_array: PDFArray.sequence is gone"
    assert callable(getattr(pdfdoc.PDFZCompress, "encode", None)), "_reuse_compressed: PDFZCompress.encode is gone"
    assert callable(getattr(ttfonts.TTFontFace, "makeSubset", None)), "_reusing_subsets: TTFontFace.makeSubset is gone"
    from reportlab.platypus import paragraph

    assert "_fragWordIter" in paragraph._splitFragWord.__code__.co_names, \
        "_measure_characters_once: _splitFragWord no longer measures through _fragWordIter"
    assert list(inspect.signature(paragraph.Paragraph.split).parameters) == ["self", "availWidth", "availHeight"], \
        "_keep_lines_across_pages: Paragraph.split(availWidth, availHeight) changed"
    assert list(inspect.signature(paragraph.Paragraph.breakLines).parameters) == ["self", "width"], \
        "_keep_lines_across_pages: Paragraph.breakLines(width) changed"
    assert "_wrapWidths" in inspect.getsource(paragraph.Paragraph.wrap), "_keep_lines_across_pages: no _wrapWidths"
    assert ".sFW" in inspect.getsource(paragraph.Paragraph._split_blParaProcessed), \
        "_keep_lines_across_pages: a split no longer finds its fragments by each line's sFW"


def test_help_loads_no_command_module() -> None:
    """`--help` lists every command without importing what the commands need (the lazy group)."""
    code = ("import sys; from faxcampaign.cli import cli\n"
            "try: cli(['--help'], prog_name='faxcampaign')\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('faxcampaign.')"
            " and not m.startswith('faxcampaign.cli') and m != 'faxcampaign.errors'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "callsheet" in result.stdout and "log-copy" in result.stdout


def test_logging_one_attempt_loads_only_what_it_needs(tmp_path: Path) -> None:
    """A volunteer's `log` of one attempt, once the campaign's roster is in the log, reads neither the
    campaign file's model nor its parsers, nor the time zone database (it records in UTC), nor the CSV
    reader or the spelling suggester an import or a wrong id would need."""
    (tmp_path / "letter.md.j2").write_text("Dear {{ recipient.name }}\n", encoding="utf-8")
    (tmp_path / "campaign.yaml").write_text(
        "title: T\nletter: letter.md.j2\nrecipients:\n"
        "  - {id: court, name: Court, fax: '+7 7212 42 02 20', timezone: Asia/Almaty, hours: 'Mo-Fr 09:00-18:00'}\n",
        encoding="utf-8")
    code = ("import sys; from faxcampaign.cli import cli\n"
            "try: cli(['log', 'campaign.yaml', 'court', 'busy', '--by', 'Ann'], prog_name='faxcampaign')\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in ('pydantic', 'yaml', 'phonenumbers', 'pytz', 'dateutil', 'jinja2', 'csv', "
            "'difflib', 'reportlab', 'faxcampaign.campaign.model') if m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "pydantic" in first.stdout  # the first loads the file, and keeps its roster in the log
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert again.stdout.strip().splitlines()[-1] == "[]"
    assert "recorded attempt 2: court busy" in again.stderr
