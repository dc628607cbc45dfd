"""Read GitHub Actions' files the way the runner reads them."""

from __future__ import annotations


def parse_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner parses it (``name=value`` or ``name<<DELIMITER`` blocks).

    Like the runner: a key/value line is split at the first ``=`` unless a
    ``<<`` comes first; a block runs to the first line equal to its delimiter;
    a later value replaces an earlier one.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    values: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if heredoc >= 0 and (equals < 0 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            body = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index == len(lines):
                raise ValueError(f"output {name}: no closing delimiter {delimiter!r}")
            index += 1
            values[name] = "\n".join(body)
        elif equals > 0:
            values[line[:equals]] = line[equals + 1 :]
        else:
            raise ValueError(f"invalid output line {line!r}")
    return values
