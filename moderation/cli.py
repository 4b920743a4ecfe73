"""The `moderation` command: a thin Typer layer over the core; errors are one line and exit 1."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Persian comment moderation: normalize, identify language, check comments, train and promote models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class CliError(Exception):
    """An error the user can fix; printed as one line."""


def _text_argument(text: str) -> str:
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise CliError("the text is empty; pass it as an argument or '-' to read standard input")
    return text


def _print(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for key, value in payload.items():
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        typer.echo(f"{key}: {value}")


@app.command()
def normalize(
    text: Annotated[str, typer.Argument(help="The comment ('-' reads standard input).")],
    as_json: JsonFlag = False,
) -> None:
    """Normalize a comment and show its entities and lexicon hits."""
    from moderation.lexicon import Lexicon
    from moderation.text import PersianNormalizer

    normalized = PersianNormalizer().normalize(_text_argument(text))
    lexicon = Lexicon.default()
    _print(
        {
            "normalized": normalized.text,
            "normalizer_version": normalized.version,
            "entities": [asdict(e) for e in normalized.entities],
            "lexicon": [asdict(m) for m in lexicon.find(normalized)],
        },
        as_json,
    )


@app.command()
def language(
    text: Annotated[str, typer.Argument(help="The comment ('-' reads standard input).")],
    as_json: JsonFlag = False,
) -> None:
    """Identify the language of a comment: fa, fa-Latn (Finglish), ar, ur, en, …, or und."""
    from moderation.language import LanguageGate
    from moderation.text import PersianNormalizer

    normalized = PersianNormalizer().normalize(_text_argument(text))
    result = LanguageGate().detect(normalized.language_view)
    _print({"language": result.language, "confidence": result.confidence, "method": result.method}, as_json)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except CliError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
