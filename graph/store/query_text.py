"""What a SPARQL query text asks for, read by a tokenizer before any engine sees it.

The engine (pyoxigraph) opens a network connection for ``SERVICE`` and has no switch to stop it,
so refusals must happen on the text. A tokenizer that knows strings, IRIs, comments and prefixed
names is enough: ``SERVICE``, ``FROM`` and the update keywords are reserved words that can only
appear as bare words, never inside those tokens. pyoxigraph does not decode ``\\u`` escapes outside
string literals (``\\u0053ERVICE`` is a syntax error for it), so neither does this module.

The analysis also finds where the outermost ``LIMIT`` of a SELECT goes, so the result cap can be
pushed into the engine instead of cutting rows after evaluation.

It runs on every query, so it is kept cheap: the prologue is skipped in one regular-expression
match, the tokenizer hands Python only the words and punctuation (the other tokens are passed
over inside the regular-expression engine, with the same token boundaries), and the analyses of
recent texts are kept (clients repeat their queries).

Pure Python; imports no engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

from graph.errors import QueryRefused

# SPARQL 1.1 §19.8 terminals, permissive where only the boundaries of a token matter. In the
# order they are tried: at each position the first that matches is the token.
_PN_CHARS = r"\w\u00B7\u00C0-\U000EFFFF"
_TERMINALS = (
    ("ws", r"\s+"),
    ("comment", r"\#[^\n\r]*"),
    ("iri", r'<[^<>"{}|^`\\\x00-\x20]*>'),
    ("string", r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*" """),
    ("var", rf"[?$][{_PN_CHARS}]+"),
    ("bnode", rf"_:[{_PN_CHARS}.\-]+"),
    ("pname", rf"""(?:[A-Za-z\u00C0-\U000EFFFF][{_PN_CHARS}.\-]*)?:
               (?:[{_PN_CHARS}.\-:%]|\\[_~.\-!$&'()*+,;=/?\#@%])*"""),
    ("number", r"\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"),
    ("lang", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|."),
)
_FLAGS = re.VERBOSE | re.DOTALL
_TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TERMINALS), _FLAGS)
# The same tokenization, reporting only the words and punctuation the analysis looks at: every
# other token (and blank) before one is consumed by a run of the same alternatives, tried in
# the same order, so token boundaries are exactly those of ``_TOKEN`` while Python sees a
# fraction of the tokens. The run never backtracks: what follows it (a word, punctuation,
# which is any character, or ``\Z``, the end of the text) always matches.
_SIGNIFICANT = re.compile(
    "(?:"
    + "|".join(f"(?:{pattern})" for kind, pattern in _TERMINALS if kind not in ("word", "punct"))
    + ")*"
    + "".join(f"(?:(?P<{kind}>{pattern})|" for kind, pattern in _TERMINALS[-2:])
    + r"\Z))",
    _FLAGS,
)

# One prologue declaration (SPARQL 1.1 §4.1.1), with the blanks and comments before it: the
# prologue is read declaration by declaration at C speed, as clients send long PREFIX blocks.
_DECLARATION = re.compile(
    rf"""(?:\s|\#[^\n\r]*)*
    (?:(?P<prefix>[Pp][Rr][Ee][Ff][Ii][Xx])\s*(?P<name>(?:[A-Za-z\u00C0-\U000EFFFF][{_PN_CHARS}.\-]*)?):
       \s*(?P<namespace><[^<>"{{}}|^`\\\x00-\x20]*>)
     |(?P<base>[Bb][Aa][Ss][Ee])\s*(?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>))""",
    re.VERBOSE,
)
# The whole prologue in one match: the declarations, without their groups.
_PROLOGUE = re.compile(
    "(?:" + re.sub(r"\(\?P<\w+>", "(?:", _DECLARATION.pattern) + ")*", re.VERBOSE
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Prefix → (its IRI token, the base in force), resolved only when a FROM clause uses it.
Prefixes = dict[str, tuple[str, str | None]]
UPDATE_KEYWORDS = frozenset(
    {"LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str, start: int = 0) -> list[Token]:
    """Significant tokens of a query from ``start`` (no whitespace, no comments).

    >>> [t.text for t in tokenize('SELECT * { ?s <p#x> "# not a comment" } # comment')]
    ['SELECT', '*', '{', '?s', '<p#x>', '"# not a comment"', '}']
    """
    return list(_tokens(text, start))


def _tokens(text: str, start: int = 0) -> Iterator[Token]:
    for match in _TOKEN.finditer(text, start):
        kind = match.lastgroup
        if kind == "ws" or kind == "comment":
            continue
        start, end = match.span()
        if kind == "pname" and text[end - 1] == ".":
            # PN_LOCAL cannot end with '.': those dots end the triple.
            name = match.group().rstrip(".")
            yield Token("pname", name, start, start + len(name))
            yield from (Token("punct", ".", i, i + 1) for i in range(start + len(name), end))
            continue
        yield Token(kind or "punct", match.group(), start, end)


def _token_at(text: str, start: int) -> Token | None:
    """The first token from ``start``: what ``tokenize(text, start)[0]`` is, or None."""
    return next(_tokens(text, start), None)


def _words_and_punctuation(text: str, start: int) -> list[Token]:
    """The word and punctuation tokens of ``tokenize(text, start)``, and only those.

    >>> [t.text for t in _words_and_punctuation('SELECT * { ?s <p#x> "{" . } # {', 0)]
    ['SELECT', '*', '{', '.', '}']
    """
    tokens: list[Token] = []
    for match in _SIGNIFICANT.finditer(text, start):
        kind = match.lastgroup
        if kind is None:
            break  # the end of the text
        begin, end = match.span(kind)
        tokens.append(Token(kind, text[begin:end], begin, end))
    return tokens


@dataclass(frozen=True)
class LimitPlan:
    """How to make the outermost SELECT return at most ``n`` rows: replace ``[start, end)``."""

    start: int
    end: int
    replacement_format: str


@dataclass
class QueryText:
    """The parts of a query the service acts on before evaluation."""

    form: str | None = None
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    limit: int | None = None
    limit_plan: LimitPlan | None = None

    def with_limit(self, text: str, n: int) -> str | None:
        """The query text with its outermost result count capped at ``n`` (None: already ≤ n).

        >>> q = "SELECT * { ?s ?p ?o } # end"
        >>> analyse(q).with_limit(q, 10)
        'SELECT * { ?s ?p ?o } # end\\nLIMIT 10\\n'
        >>> q = "SELECT * { { SELECT * {?s ?p ?o} LIMIT 5 } } LIMIT 50 OFFSET 2"
        >>> analyse(q).with_limit(q, 10)
        'SELECT * { { SELECT * {?s ?p ?o} LIMIT 5 } } LIMIT 10 OFFSET 2'
        >>> analyse(q).with_limit(q, 100) is None
        True
        """
        if self.form != "SELECT" or self.limit_plan is None:
            return None
        if self.limit is not None and self.limit <= n:
            return None
        plan = self.limit_plan
        return text[: plan.start] + plan.replacement_format.format(n) + text[plan.end :]


# Analyses of recent query texts (clients repeat queries): a text is read once, not per request.
# Texts longer than this are not kept, so the cache stays small whatever clients send.
_CACHED_TEXT_MAX = 4096


def analyse(text: str, base_iri: str | None = None) -> QueryText:
    """Read the form, the dataset clause and the outermost LIMIT; refuse what is never run.

    :raises QueryRefused: for SERVICE, or an update operation (LOAD, INSERT, …).

    >>> analyse("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <b> {}", "http://x/").from_named_graphs
    ['http://x/b']
    >>> analyse("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefused: SERVICE is not allowed: this endpoint never queries other services
    """
    known = _analysed(text, base_iri) if len(text) <= _CACHED_TEXT_MAX else _analyse(text, base_iri)
    # A copy: the cached analysis is shared, the caller's is its own.
    return QueryText(
        known.form,
        list(known.from_graphs),
        list(known.from_named_graphs),
        known.limit,
        known.limit_plan,
    )


def _prologue(text: str, base_iri: str | None) -> tuple[str | None, Prefixes]:
    """The base and the prefixes the prologue declares."""
    base = base_iri
    prefixes: Prefixes = {}
    position = 0
    while (declaration := _DECLARATION.match(text, position)) is not None:
        if declaration.group("prefix"):
            prefixes[declaration.group("name")] = (declaration.group("namespace"), base)
        else:
            base = _resolve(declaration.group("iri"), base)
        position = declaration.end()
    return base, prefixes


def _analyse(text: str, base_iri: str | None) -> QueryText:
    # The prologue is skipped in one match; it is read only if a FROM clause needs it.
    position = _PROLOGUE.match(text).end()
    # Only words and punctuation matter from here, except the term after FROM (NAMED) and the
    # number after LIMIT, which are read where they are.
    tokens = _words_and_punctuation(text, position)
    result = QueryText()
    first = _token_at(text, position)
    head = first.keyword if first is not None else ""
    if head in UPDATE_KEYWORDS:
        raise QueryRefused(
            f"{head} is a SPARQL Update operation: this endpoint is read-only and never loads "
            "or changes data"
        )
    if head in QUERY_FORMS:
        result.form = head
    if any(t.kind == "word" and t.text.upper() == "SERVICE" for t in tokens):
        raise QueryRefused("SERVICE is not allowed: this endpoint never queries other services")
    _check_nesting(tokens)
    _read_dataset_clause(tokens, text, base_iri, result)
    if result.form == "SELECT":
        _plan_limit(tokens, text, result)
    return result


_analysed = lru_cache(maxsize=1024)(_analyse)


# Deeper groups than any real query has; the engine's recursive parser would overflow its
# stack on thousands of levels and take the worker down with it.
MAX_NESTING = 200


def _check_nesting(tokens: list[Token]) -> None:
    """Refuse absurdly deep nesting of { } and ( ) before the engine sees it.

    >>> _check_nesting(tokenize("SELECT * " + "{" * 300 + "}" * 300))
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefused: the query nests groups or expressions more than 200 levels deep \
(at character 209); at most 200 are accepted
    """
    depth = 0
    for token in tokens:
        if token.kind != "punct":
            continue
        if token.text in "{(":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryRefused(
                    f"the query nests groups or expressions more than {MAX_NESTING} levels deep "
                    f"(at character {token.start}); at most {MAX_NESTING} are accepted"
                )
        elif token.text in "})":
            depth -= 1


def _read_dataset_clause(
    words: list[Token], text: str, base_iri: str | None, result: QueryText
) -> None:
    """FROM and FROM NAMED among the words; each one's term is the token that follows it."""
    prologue: tuple[str | None, Prefixes] | None = None
    for word in words:
        if word.keyword != "FROM":
            continue
        if prologue is None:
            prologue = _prologue(text, base_iri)
        base, prefixes = prologue
        following = _token_at(text, word.end)
        if following is None:
            continue
        named = following.keyword == "NAMED"
        target = _token_at(text, following.end) if named else following
        iri = _term_iri(target, base, prefixes) if target is not None else None
        if iri is None:
            continue  # not an IRI: the engine reports the syntax error
        (result.from_named_graphs if named else result.from_graphs).append(iri)


def _term_iri(token: Token, base: str | None, prefixes: Prefixes) -> str | None:
    if token.kind == "iri":
        return _resolve(token.text, base)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            namespace = _resolve(*prefixes[prefix]) or ""
            return namespace + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri_token: str, base: str | None) -> str | None:
    if not (iri_token.startswith("<") and iri_token.endswith(">")):
        return None
    iri = iri_token[1:-1]
    return urljoin(base, iri) if base else iri


def _plan_limit(tokens: list[Token], text: str, result: QueryText) -> None:
    """Find the outermost solution modifiers: after the WHERE group, before a final VALUES.

    ``tokens`` are the words and punctuation (at least) of the query after its prologue.
    """
    parens = braces = 0
    where_end: int | None = None
    for position in range(len(tokens)):
        symbol = tokens[position].text if tokens[position].kind == "punct" else ""
        if symbol == "(":
            parens += 1
        elif symbol == ")":
            parens -= 1
        elif symbol == "{":
            braces += 1
        elif symbol == "}":
            braces -= 1
            if braces == 0 and parens == 0:
                where_end = position
                break
    if where_end is None:
        return  # unbalanced: the engine reports the error
    parens = 0
    for position in range(where_end + 1, len(tokens)):
        token = tokens[position]
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif parens == 0 and token.keyword == "LIMIT":
            number = _token_at(text, token.end)
            if number is not None and number.kind == "number" and number.text.isdigit():
                result.limit = int(number.text)
                result.limit_plan = LimitPlan(number.start, number.end, "{}")
            return
        elif parens == 0 and token.keyword == "VALUES":
            result.limit_plan = LimitPlan(token.start, token.start, "LIMIT {} ")
            return
    result.limit_plan = LimitPlan(len(text), len(text), "\nLIMIT {}\n")
