"""The ``typer`` application and how the command line reports: errors, warnings, progress.

Results go to stdout or ``-o``; progress goes to stderr and only when stderr is a
terminal. Any :class:`~align.errors.AlignError` becomes one line on stderr and exit
status 1; ``--debug`` (or ``ALIGN_DEBUG=1``) shows the traceback instead. Library
warnings (:class:`~align.errors.AlignWarning`) are one ``align: warning:`` line each.
Text from the user's files is printed through :func:`~align.textsafe.printable`.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from typing import TYPE_CHECKING, Callable

import typer

from align.errors import AlignError, AlignWarning, Interrupted
from align.textsafe import printable, shown_path

if TYPE_CHECKING:
    from align.types import Document

app = typer.Typer(
    name="align",
    help="Align a text with its translation sentence by sentence, export TMX, and find shared wire copy.",
    epilog=(
        "\b\nExamples:\n"
        "  align demo\n"
        "  align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx\n"
        "  align segment de.txt --lang de\n"
        "  align eval gold.beads test.beads\n"
        "Run 'align COMMAND --help' for a command's options."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: What one run of the command line knows beyond its arguments: ``debug``, and what an
#: interrupted command kept (``interrupted``), for the last line :func:`main` prints.
state: dict[str, object] = {"debug": False}


def package_version() -> str:
    """The installed distribution's version (importlib.metadata), else the source tree's
    ``align.__version__`` (run from a checkout that was never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("align")
    except PackageNotFoundError:
        from align import __version__

        return __version__


def _print_version(value: bool) -> None:
    """``--version``: print it and stop before any command is parsed (nothing heavy is imported)."""
    if value:
        typer.echo(f"align {package_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
    _version: bool = typer.Option(False, "--version", "-V", callback=_print_version, is_eager=True,
                                  help="Print the version and exit."),
) -> None:
    """align: sentence alignment, TMX export and wire-copy detection, offline on a CPU."""
    state["debug"] = debug or os.environ.get("ALIGN_DEBUG", "") not in ("", "0")


def progress_printer() -> Callable[[str], None]:
    """Progress lines on stderr, only for a person watching a terminal, with a bar (count,
    rate, ETA) for each long loop (:class:`align.cli.bars.TerminalProgress`)."""
    if not sys.stderr.isatty():
        return lambda _msg: None
    from align.cli.bars import TerminalProgress

    return TerminalProgress()


def warn(message: str) -> None:
    """A one-line warning from the command line itself (the checks before the work)."""
    typer.echo(f"align: warning: {message}", err=True)


def say_notes(doc: Document) -> None:
    """How a document was read, when the reader chose it (the plain-text layout ``auto``
    picked): one ``align: FILE: ...`` line each, so a user sees why sentences were joined."""
    for message in doc.notes:
        typer.echo(f"align: {printable(shown_path(doc.name), keep_newlines=False)}: {message}", err=True)


_python_showwarning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    """Print align's own warnings as one line each (``align: warning: ...``); others as Python does."""
    if issubclass(category, AlignWarning):
        warn(printable(str(message), keep_newlines=False))
    else:
        _python_showwarning(message, category, filename, lineno, file, line)  # type: ignore[arg-type]


def _interrupted_note(err: BaseException | None) -> str:
    """What an interruption left: what the command said it kept, else that nothing partial was."""
    note = str(err) if isinstance(err, Interrupted) else str(state.get("interrupted") or "")
    return printable(note, keep_newlines=False) if note else "no partial output was kept"


def _terminate_as_interrupt(signum: int, _frame: object) -> None:
    """Handle SIGTERM (a plain ``kill``) like Ctrl-C, so temporary output files are removed."""
    raise KeyboardInterrupt


def main() -> None:
    """Console entry point: run the app, turning errors into one line and an exit status."""
    import signal

    warnings.simplefilter("always", AlignWarning)  # one line per warned file, even when the text repeats
    warnings.showwarning = _show_warning
    try:
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    except (ValueError, OSError):  # not the main thread, or a platform without SIGTERM
        pass
    debug = "--debug" in sys.argv or os.environ.get("ALIGN_DEBUG", "") not in ("", "0")
    try:
        code = app(standalone_mode=False)
    except AlignError as err:
        if debug:
            traceback.print_exc()
        typer.echo(f"align: error: {printable(str(err), keep_newlines=False)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt as err:
        typer.echo(f"align: interrupted; {_interrupted_note(err)}", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as err:  # a bug, or an environment problem we did not foresee
        try:  # typer >= 0.2x vendors click as typer._click; older typer uses click itself
            from typer._click.exceptions import ClickException
        except ImportError:
            from click.exceptions import ClickException

        if isinstance(err, ClickException):  # usage errors: typer's message, exit status 2
            err.show()
            sys.exit(err.exit_code)
        if isinstance(err, typer.Abort):
            typer.echo("align: aborted", err=True)
            sys.exit(1)
        if debug:
            traceback.print_exc()
        if isinstance(err, MemoryError):
            typer.echo("align: error: out of memory; split the documents into smaller parts (a few hundred "
                       "thousand sentences at most), or use a machine with more memory", err=True)
            sys.exit(1)
        typer.echo(f"align: error: {type(err).__name__}: {printable(str(err), keep_newlines=False)} "
                   "(rerun with --debug for a traceback)", err=True)
        sys.exit(1)
    # Outside standalone mode typer returns a typer.Exit's code instead of exiting; Ctrl-C
    # inside a command arrives here as 130.
    if code == 130:
        typer.echo(f"align: interrupted; {_interrupted_note(None)}", err=True)
    if isinstance(code, int) and code:
        sys.exit(code)
