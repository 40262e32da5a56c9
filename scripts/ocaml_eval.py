"""A small lazy evaluator for the subset of OCaml that xen-api's datamodel
(ocaml/idl/datamodel*.ml) is written in, so that scripts/xapi-schema.py can
take the datamodel's facts from the datamodel itself rather than from a
pattern match over its text.

What it is: a lexer, a parser for OCaml expressions and structure items
(let, let rec, open, include, nested modules; types, exceptions and
signatures are skipped), and a call-by-need interpreter.  Laziness is the
point: the datamodel's messages, error tables and documentation are never
evaluated, only the values that the schema needs (objects, their fields,
types, defaults and lifecycles).  The standard library is a handful of
native functions (List, String, Printf, Option, ...); any module, name or
construct it does not know raises EvalError when, and only when, its value
is needed, so an unsupported corner can never turn into silently wrong data.

What it is not: an OCaml implementation.  There is no type checking,
integers are unbounded, and side effects other than exceptions are ignored.
"""

import re

KEYWORDS = {
    "and", "as", "assert", "begin", "class", "constraint", "do", "done",
    "downto", "else", "end", "exception", "external", "false", "for", "fun",
    "function", "functor", "if", "in", "include", "inherit", "initializer",
    "lazy", "let", "match", "method", "module", "mutable", "new", "nonrec",
    "object", "of", "open", "or", "private", "rec", "sig", "struct", "then",
    "to", "true", "try", "type", "val", "virtual", "when", "while", "with",
    "mod", "land", "lor", "lxor", "lsl", "lsr", "asr",
}
OPCHARS = set("!$%&*+-./:<=>?@^|~#")


class EvalError(Exception):
    pass


class OCamlRaise(Exception):
    """An OCaml exception raised by the evaluated code."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


class Tok:
    __slots__ = ("kind", "val", "pos", "line", "col")

    def __init__(self, kind, val, pos, line, col):
        self.kind, self.val, self.pos, self.line, self.col = kind, val, pos, line, col

    def __repr__(self):
        return "%s:%r@%d:%d" % (self.kind, self.val, self.line, self.col)


STR_ESC = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", " ": " ", "\\": "\\",
           "'": "'", '"': '"'}


def lex(src, name):
    toks, i, n, line, bol = [], 0, len(src), 1, 0

    def err(msg):
        raise EvalError("%s:%d: %s" % (name, line, msg))

    def read_string(i):
        nonlocal line, bol
        out = []
        while True:
            if i >= n:
                err("unterminated string")
            c = src[i]
            if c == '"':
                return "".join(out), i + 1
            if c == "\n":
                line, bol = line + 1, i + 1
            if c == "\\":
                d = src[i + 1]
                if d == "\n":
                    line, bol = line + 1, i + 2
                    i += 2
                    while i < n and src[i] in " \t":
                        i += 1
                    continue
                if d in STR_ESC:
                    out.append(STR_ESC[d])
                    i += 2
                elif d.isdigit():
                    out.append(chr(int(src[i + 1:i + 4])))
                    i += 4
                elif d == "x":
                    out.append(chr(int(src[i + 2:i + 4], 16)))
                    i += 4
                elif d == "o":
                    out.append(chr(int(src[i + 2:i + 5], 8)))
                    i += 5
                else:
                    out.append("\\" + d)
                    i += 2
                continue
            out.append(c)
            i += 1

    while i < n:
        c = src[i]
        if c == "\n":
            line, bol = line + 1, i + 1
            i += 1
            continue
        if c in " \t\r\f":
            i += 1
            continue
        col = i - bol
        if src.startswith("(*", i) and not src.startswith("(*)", i):
            depth, i = 1, i + 2
            while depth:
                if i >= n:
                    err("unterminated comment")
                if src.startswith("(*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*)", i):
                    depth, i = depth - 1, i + 2
                elif src[i] == '"':
                    _, i = read_string(i + 1)
                elif src[i] == "\n":
                    line, bol = line + 1, i + 1
                    i += 1
                else:
                    i += 1
            continue
        start = i
        if c == '"':
            s, i = read_string(i + 1)
            toks.append(Tok("str", s, start, line, col))
            continue
        m = re.compile(r"\{([a-z_]*)\|").match(src, i)
        if m:
            end = src.index("|" + m.group(1) + "}", m.end())
            s = src[m.end():end]
            line += s.count("\n")
            toks.append(Tok("str", s, start, line, col))
            i = end + len(m.group(1)) + 2
            continue
        if c == "'":
            m = re.compile(r"'(\\(?:[\\'\"ntbr ]|[0-9]{3}|x[0-9a-fA-F]{2})|[^\\'])'").match(src, i)
            if m:
                s = m.group(1)
                ch = s if len(s) == 1 else (STR_ESC.get(s[1]) or chr(int(s[2:], 16) if s[1] == "x" else int(s[1:])))
                toks.append(Tok("char", ch, start, line, col))
                i = m.end()
                continue
            m = re.compile(r"'[A-Za-z_][A-Za-z0-9_']*").match(src, i)
            if m:
                toks.append(Tok("tyvar", m.group(0), start, line, col))
                i = m.end()
                continue
            err("bad character literal")
        if c.isdigit():
            m = re.compile(r"0[xX][0-9a-fA-F_]+[lLn]?|0[oO][0-7_]+[lLn]?|0[bB][01_]+[lLn]?|"
                           r"[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?[lLn]?").match(src, i)
            t = m.group(0).replace("_", "")
            if t[-1] in "lLn":
                t = t[:-1]
            if m.group(1) is not None or m.group(2) is not None:
                toks.append(Tok("float", float(t), start, line, col))
            else:
                toks.append(Tok("int", int(t, 0) if t[:2].lower() in ("0x", "0o", "0b") else int(t),
                                start, line, col))
            i = m.end()
            continue
        if c.isalpha() or c == "_":
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_']*").match(src, i)
            w = m.group(0)
            i = m.end()
            if w in KEYWORDS:
                toks.append(Tok("kw", w, start, line, col))
            elif w[0].isupper():
                toks.append(Tok("uid", w, start, line, col))
            else:
                toks.append(Tok("lid", w, start, line, col))
            continue
        if c in "~?" and i + 1 < n and (src[i + 1].islower() or src[i + 1] == "_"):
            m = re.compile(r"[a-z_][A-Za-z0-9_']*").match(src, i + 1)
            w = m.group(0)
            i = m.end()
            if i < n and src[i] == ":" and not src.startswith("::", i):
                toks.append(Tok("label" if c == "~" else "olabel", w, start, line, col))
                i += 1
            else:
                toks.append(Tok("plabel" if c == "~" else "polabel", w, start, line, col))
            continue
        if c == "`":
            m = re.compile(r"`[A-Za-z_][A-Za-z0-9_']*").match(src, i)
            toks.append(Tok("uid", m.group(0), start, line, col))
            i = m.end()
            continue
        for p in ("[@@@", "[@@", "[@", "[|", "|]", ";;", "::", "(", ")", "[", "]", "{", "}",
                  ",", ";"):
            if src.startswith(p, i):
                toks.append(Tok("sym", p, start, line, col))
                i += len(p)
                break
        else:
            if c in OPCHARS:
                j = i
                while j < n and src[j] in OPCHARS:
                    j += 1
                toks.append(Tok("sym", src[i:j], start, line, col))
                i = j
            else:
                err("unexpected character %r" % c)
    toks.append(Tok("eof", None, n, line, 0))
    return toks


# --- syntax tree: tuples (tag, ...) ------------------------------------------

class Parser:
    def __init__(self, toks, name):
        self.t, self.i, self.name = toks, 0, name

    # token helpers
    def peek(self, k=0):
        return self.t[min(self.i + k, len(self.t) - 1)]

    def at(self, kind, val=None, k=0):
        t = self.peek(k)
        return t.kind == kind and (val is None or t.val == val)

    def at_kw(self, *vals):
        t = self.peek()
        return t.kind == "kw" and t.val in vals

    def at_sym(self, *vals):
        t = self.peek()
        return t.kind == "sym" and t.val in vals

    def next(self):
        t = self.t[self.i]
        self.i += 1
        return t

    def expect(self, kind, val=None):
        t = self.peek()
        if t.kind != kind or (val is not None and t.val != val):
            self.fail("expected %s, found %r" % (val or kind, t.val))
        return self.next()

    def fail(self, msg):
        t = self.peek()
        raise EvalError("%s:%d:%d: parse error: %s" % (self.name, t.line, t.col + 1, msg))

    def skip_attrs(self):
        while self.at_sym("[@", "[@@"):
            self.skip_balanced()

    def skip_balanced(self):
        """Skip one bracketed group starting at the current opening token."""
        opens = {"(": ")", "[": "]", "{": "}", "[@": "]", "[@@": "]", "[@@@": "]", "[|": "|]"}
        stack = []
        while True:
            t = self.next()
            if t.kind == "eof":
                self.fail("unbalanced brackets")
            if t.kind == "sym" and t.val in opens:
                stack.append(opens[t.val])
            elif t.kind == "kw" and t.val in ("begin", "struct", "sig", "object"):
                stack.append("end")
            elif (t.kind == "sym" or t.kind == "kw") and stack and t.val == stack[-1]:
                stack.pop()
                if not stack:
                    return

    def skip_type(self, stops):
        """Skip a type expression up to (not including) a stop token at depth 0."""
        depth = 0
        while True:
            t = self.peek()
            if t.kind == "eof":
                self.fail("end of file in a type")
            if depth == 0 and ((t.kind == "sym" and t.val in stops) or
                               (t.kind == "kw" and t.val in stops)):
                return
            if t.kind == "sym" and t.val in ("(", "[", "{", "[|"):
                depth += 1
            elif t.kind == "sym" and t.val in (")", "]", "}", "|]"):
                depth -= 1
                if depth < 0:
                    return
            self.next()

    # --- structure items
    def structure(self, until_end=False):
        items = []
        while True:
            self.skip_attrs()
            if self.at_sym(";;"):
                self.next()
                continue
            if self.at("eof") or (until_end and self.at_kw("end")):
                return items
            start = self.i
            try:
                it = self.item()
            except EvalError as e:
                # Keep going: a binding that cannot be parsed is an error
                # only if its value is ever needed.
                self.i = start
                names = self.recover(until_end)
                items.append(("broken", names, str(e)))
                continue
            if it is not None:
                items.append(it)

    def recover(self, until_end):
        """Skip a structure item that failed to parse; return the names it binds."""
        first = self.peek()
        names = []
        if first.kind == "kw" and first.val == "let":
            k = 2 if self.at("kw", "rec", 1) else 1
            if self.at("lid", None, k):
                names.append(self.peek(k).val)
        col = first.col
        self.next()
        depth = 0
        while True:
            t = self.peek()
            if t.kind == "eof":
                return names
            if t.kind == "sym" and t.val in ("(", "[", "{", "[|", "[@", "[@@"):
                depth += 1
            elif t.kind == "sym" and t.val in (")", "]", "}", "|]"):
                depth -= 1
            elif t.kind == "kw" and t.val in ("struct", "sig", "begin", "object"):
                depth += 1
            elif t.kind == "kw" and t.val == "end":
                if depth == 0:
                    return names
                depth -= 1
            elif (depth == 0 and t.col <= col and t.kind == "kw" and
                  t.val in ("let", "module", "open", "type", "exception", "include", "external")):
                return names
            self.next()

    def item(self):
        t = self.peek()
        if t.kind == "kw" and t.val == "let":
            self.next()
            rec = False
            if self.at_kw("rec"):
                self.next()
                rec = True
            binds = self.let_bindings()
            if self.at_kw("in"):  # a top-level `let ... in e` expression
                self.next()
                self.expr()
                return None
            self.skip_attrs()
            return ("let", rec, binds)
        if t.kind == "kw" and t.val in ("open", "include"):
            self.next()
            if self.at_sym("!"):
                self.next()
            path = self.module_expr()
            self.skip_attrs()
            return (t.val, path)
        if t.kind == "kw" and t.val == "module":
            self.next()
            if self.at_kw("type"):
                self.next()
                self.expect("uid")
                if self.at_sym("="):
                    self.next()
                    self.skip_module_type()
                return None
            if self.at_kw("rec"):
                self.fail("module rec is not supported")
            name = self.expect("uid").val
            while self.at_sym("("):  # functor parameters
                self.skip_balanced()
            if self.at_sym(":"):
                self.next()
                self.skip_module_type()
            self.expect("sym", "=")
            return ("module", name, self.module_expr())
        if t.kind == "kw" and t.val in ("type", "exception", "external"):
            self.next()
            self.skip_type_decl()
            return None
        if t.kind == "sym" and t.val == "[@@@":
            self.skip_balanced()
            return None
        # a bare expression at top level
        self.expr()
        return None

    def skip_module_type(self):
        if self.at_kw("sig"):
            self.skip_balanced()
        else:
            self.skip_type(("=", ")"))
        while self.at_kw("with"):
            self.next()
            self.skip_type(("=",))
            self.next()
            self.skip_type(("and", "=", "let", "module", "open", "type", "end", ")"))

    def skip_type_decl(self):
        stop = ("let", "module", "open", "type", "exception", "include", "external", "end")
        depth = 0
        while True:
            t = self.peek()
            if t.kind == "eof":
                return
            if depth == 0 and t.kind == "kw" and t.val in stop:
                return
            if depth == 0 and t.kind == "sym" and t.val in (";;", "[@@@"):
                return
            if t.kind == "sym" and t.val in ("(", "[", "{", "[|", "[@", "[@@"):
                depth += 1
            elif t.kind == "sym" and t.val in (")", "]", "}", "|]"):
                depth -= 1
            elif t.kind == "kw" and t.val in ("struct", "sig", "begin", "object"):
                depth += 1
            elif t.kind == "kw" and t.val == "end" and depth:
                depth -= 1
            self.next()

    def module_expr(self):
        if self.at_kw("struct"):
            self.next()
            items = self.structure(until_end=True)
            self.expect("kw", "end")
            return ("struct", items)
        if self.at_kw("functor"):
            self.fail("functors are not supported")
        path = [self.expect("uid").val]
        while self.at_sym(".") and self.at("uid", None, 1):
            self.next()
            path.append(self.next().val)
        if self.at_sym("("):
            self.skip_balanced()
            return ("functor_app", path)
        return ("path", path)

    # --- let bindings
    def let_bindings(self):
        binds = [self.let_binding()]
        while self.at_kw("and"):
            self.next()
            binds.append(self.let_binding())
        return binds

    def let_binding(self):
        self.skip_attrs()
        if self.at("lid") or (self.at_sym("(") and self.at("sym", None, 1) and
                              self.peek(1).val not in ("(", ")", "[", "{") and
                              self.at("sym", ")", 2)):
            if self.at("lid"):
                name = self.next().val
            else:
                self.next()
                name = self.next().val
                self.next()
            params = []
            while not self.at_sym("=", ":"):
                params.append(self.param())
            if self.at_sym(":"):
                self.next()
                self.skip_type(("=",))
            self.expect("sym", "=")
            body = self.expr()
            if params:
                body = ("fun", params, body)
            return (("pvar", name), body)
        pat = self.pattern()
        if self.at_sym(":"):
            self.next()
            self.skip_type(("=",))
        self.expect("sym", "=")
        return (pat, self.expr())

    def param(self):
        t = self.peek()
        if t.kind == "label":
            self.next()
            return ("lab", t.val, self.simple_pattern(), None)
        if t.kind == "plabel":
            self.next()
            return ("lab", t.val, ("pvar", t.val), None)
        if t.kind == "polabel":
            self.next()
            return ("opt", t.val, ("pvar", t.val), None)
        if t.kind == "olabel":
            self.next()
            if self.at_sym("("):
                self.next()
                pat, default = self.param_rest(self.pattern())
                return ("opt", t.val, pat, default)
            return ("opt", t.val, self.simple_pattern(), None)
        if t.kind == "sym" and t.val in ("~", "?") and self.at("lid", None, 1):
            # a label split by a comment: ~(* ... *) name
            self.next()
            name = self.next().val
            if self.at_sym(":"):
                self.next()
                return ("lab" if t.val == "~" else "opt", name, self.simple_pattern(), None)
            return ("lab" if t.val == "~" else "opt", name, ("pvar", name), None)
        if t.kind == "sym" and t.val in ("~", "?") and self.at("sym", "(", 1):
            kind = "lab" if t.val == "~" else "opt"
            self.next()
            self.next()
            name = self.expect("lid").val
            pat, default = self.param_rest(("pvar", name))
            return (kind, name, pat, default)
        return ("pos", None, self.simple_pattern(), None)

    def param_rest(self, pat):
        """After `?(pat` or `~(name`: an optional type, an optional default, `)`."""
        if self.at_sym(":"):
            self.next()
            self.skip_type(("=", ")"))
        default = None
        if self.at_sym("="):
            self.next()
            default = self.expr()
        self.expect("sym", ")")
        return pat, default

    # --- patterns
    def pattern(self):
        p = self.pattern_tuple()
        while True:
            if self.at_kw("as"):
                self.next()
                p = ("pas", p, self.expect("lid").val)
            elif self.at_sym("|"):
                self.next()
                p = ("por", p, self.pattern_tuple())
            else:
                return p

    def pattern_tuple(self):
        p = self.pattern_cons()
        if self.at_sym(","):
            ps = [p]
            while self.at_sym(","):
                self.next()
                ps.append(self.pattern_cons())
            return ("ptuple", ps)
        return p

    def pattern_cons(self):
        p = self.pattern_app()
        if self.at_sym("::"):
            self.next()
            return ("pcons", p, self.pattern_cons())
        return p

    def pattern_app(self):
        if self.at("uid"):
            path = [self.next().val]
            while self.at_sym(".") and self.at("uid", None, 1):
                self.next()
                path.append(self.next().val)
            if self.starts_simple_pattern():
                return ("pcon", path[-1], self.simple_pattern())
            return ("pcon", path[-1], None)
        if self.at_kw("exception"):
            self.next()
            return ("pexn", self.pattern_app())
        if self.at_kw("lazy"):
            self.fail("lazy patterns are not supported")
        return self.simple_pattern()

    def starts_simple_pattern(self):
        t = self.peek()
        return (t.kind in ("lid", "str", "int", "float", "char", "uid") or
                (t.kind == "kw" and t.val in ("true", "false")) or
                (t.kind == "sym" and t.val in ("(", "[", "{", "_", "-")))

    def simple_pattern(self):
        t = self.next()
        if t.kind == "lid":
            return ("pvar", t.val) if t.val != "_" else ("pany",)
        if t.kind in ("str", "int", "float", "char"):
            return ("pconst", t.val)
        if t.kind == "kw" and t.val in ("true", "false"):
            return ("pconst", t.val == "true")
        if t.kind == "uid":
            self.i -= 1
            path = [self.next().val]
            while self.at_sym(".") and self.at("uid", None, 1):
                self.next()
                path.append(self.next().val)
            return ("pcon", path[-1], None)
        if t.kind == "sym" and t.val == "-":
            v = self.next()
            return ("pconst", -v.val)
        if t.kind == "sym" and t.val == "(":
            if self.at_sym(")"):
                self.next()
                return ("pconst", ())
            if self.at("sym") and self.peek().val not in ("(", "[", "{", "-") and self.at("sym", ")", 1):
                op = self.next().val
                self.next()
                return ("pvar", op)
            p = self.pattern()
            if self.at_sym(":"):
                self.next()
                self.skip_type((")",))
            self.expect("sym", ")")
            return p
        if t.kind == "sym" and t.val == "[":
            ps = []
            while not self.at_sym("]"):
                ps.append(self.pattern())
                if self.at_sym(";"):
                    self.next()
            self.next()
            return ("plist", ps)
        if t.kind == "sym" and t.val == "{":
            return ("precord", self.record_fields(self.pattern, lambda n: ("pvar", n), True))
        if t.kind == "sym" and t.val == "[|":
            self.fail("array patterns are not supported")
        self.i -= 1
        self.fail("unexpected %r in a pattern" % (t.val,))

    # --- expressions
    def expr(self):
        e = self.expr_noseq()
        if self.at_sym(";") and not self.no_seq:
            self.next()
            if self.ends_expr():
                return e
            return ("seq", e, self.expr())
        return e

    no_seq = False

    def ends_expr(self):
        t = self.peek()
        return (t.kind == "eof" or (t.kind == "sym" and t.val in (")", "]", "}", "|]", ";;")) or
                (t.kind == "kw" and t.val in ("end", "in", "and", "done", "with", "then",
                                              "else")))

    def in_list(self, f):
        saved = self.no_seq
        self.no_seq = True
        try:
            return f()
        finally:
            self.no_seq = saved

    def in_parens(self, f):
        saved = self.no_seq
        self.no_seq = False
        try:
            return f()
        finally:
            self.no_seq = saved

    def expr_noseq(self):
        t = self.peek()
        if t.kind == "kw":
            if t.val == "let":
                self.next()
                if self.at_kw("open"):
                    self.next()
                    if self.at_sym("!"):
                        self.next()
                    path = self.module_expr()
                    self.expect("kw", "in")
                    return ("letopen", path, self.expr())
                if self.at_kw("module"):
                    self.fail("let module is not supported")
                rec = False
                if self.at_kw("rec"):
                    self.next()
                    rec = True
                binds = self.in_parens(self.let_bindings)
                self.expect("kw", "in")
                return ("let", rec, binds, self.expr())
            if t.val == "fun":
                self.next()
                params = []
                while not self.at_sym("->"):
                    params.append(self.param())
                self.next()
                return ("fun", params, self.expr())
            if t.val == "function":
                self.next()
                return ("fun", [("pos", None, ("pvar", " arg"), None)],
                        ("match", ("var", [" arg"]), self.arms()))
            if t.val == "match":
                self.next()
                e = self.in_parens(self.expr)
                self.expect("kw", "with")
                return ("match", e, self.arms())
            if t.val == "try":
                self.next()
                e = self.in_parens(self.expr)
                self.expect("kw", "with")
                return ("try", e, self.arms())
            if t.val == "if":
                self.next()
                c = self.in_parens(self.expr)
                self.expect("kw", "then")
                a = self.expr_noseq_keep()
                b = None
                if self.at_kw("else"):
                    self.next()
                    b = self.expr_noseq_keep()
                return ("if", c, a, b)
            if t.val == "assert":
                self.next()
                return ("assert", self.simple_expr())
        e = self.tuple_expr()
        if self.at_sym("<-", ":="):
            self.next()
            self.expr_noseq()
            return ("const", ())
        return e

    def expr_noseq_keep(self):
        saved = self.no_seq
        self.no_seq = True
        try:
            return self.expr_noseq()
        finally:
            self.no_seq = saved

    def arms(self):
        if self.at_sym("|"):
            self.next()
        arms = []
        while True:
            p = self.pattern()
            guard = None
            if self.at_kw("when"):
                self.next()
                guard = self.in_parens(self.expr)
            self.expect("sym", "->")
            body = self.expr()
            arms.append((p, guard, body))
            if self.at_sym("|"):
                self.next()
                continue
            return arms

    def tuple_expr(self):
        e = self.binop(0)
        if self.at_sym(","):
            es = [e]
            while self.at_sym(","):
                self.next()
                es.append(self.binop(0))
            return ("tuple", es)
        return e

    @staticmethod
    def binop_level(t):
        if t.kind == "kw":
            return {"or": (2, "r"), "mod": (8, "l"), "land": (8, "l"), "lor": (8, "l"),
                    "lxor": (8, "l"), "lsl": (9, "r"), "lsr": (9, "r"),
                    "asr": (9, "r")}.get(t.val)
        if t.kind != "sym":
            return None
        v = t.val
        if v in (",", ";", ";;", "(", ")", "[", "]", "{", "}", "|", "->", ".", "<-", ":=", ":",
                 "~", "?", "[|", "|]", "[@", "[@@", "[@@@", ":>", "!"):
            return None
        if v in ("||",):
            return (2, "r")
        if v in ("&", "&&"):
            return (3, "r")
        if v == "::":
            return (6, "r")
        if v.startswith("**"):
            return (9, "r")
        c = v[0]
        if c in "=<>|&$" or v == "!=":
            return (4, "l")
        if c in "@^":
            return (5, "r")
        if c in "+-":
            return (7, "l")
        if c in "*/%":
            return (8, "l")
        return None

    def binop(self, minlev):
        lhs = self.unary()
        while True:
            t = self.peek()
            lv = self.binop_level(t)
            if not lv or lv[0] < minlev:
                return lhs
            self.next()
            rhs = self.binop(lv[0] + 1 if lv[1] == "l" else lv[0])
            lhs = ("binop", t.val, lhs, rhs)

    def unary(self):
        if self.at_sym("-", "-."):
            self.next()
            return ("neg", self.unary())
        if self.at_sym("!"):
            self.next()
            return ("deref", self.unary())
        return self.app()

    def starts_arg(self):
        t = self.peek()
        if t.kind in ("str", "int", "float", "char", "lid", "uid", "label", "plabel",
                      "olabel", "polabel"):
            return True
        if t.kind == "kw" and t.val in ("true", "false", "begin"):
            return True
        return t.kind == "sym" and t.val in ("(", "[", "{", "[|", "!")

    def app(self):
        t = self.peek()
        if t.kind == "uid":
            head = self.simple_expr()
            if head[0] == "con" and self.starts_arg() and not self.at("label") and \
                    not self.at("plabel") and not self.at("olabel") and not self.at("polabel"):
                return ("con", head[1], self.simple_expr())
            if head[0] == "con":
                return head
        elif t.kind == "kw" and t.val == "lazy":
            self.next()
            return self.simple_expr()
        else:
            head = self.simple_expr()
        args = []
        while self.starts_arg():
            t = self.peek()
            if t.kind == "label":
                self.next()
                args.append(("lab", t.val, self.simple_expr()))
            elif t.kind == "plabel":
                self.next()
                args.append(("lab", t.val, ("var", [t.val])))
            elif t.kind == "olabel":
                self.next()
                args.append(("optarg", t.val, self.simple_expr()))
            elif t.kind == "polabel":
                self.next()
                args.append(("optarg", t.val, ("var", [t.val])))
            else:
                args.append(("pos", None, self.simple_expr()))
        if args:
            return ("app", head, args)
        return head

    def record_fields(self, value, pun, allow_wild):
        """The fields of a record up to its closing brace: (name, value),
        with `{ a; M.b = v; _ }` forms (a punned field is `pun(name)`)."""
        fields = []
        while not self.at_sym("}"):
            if allow_wild and (self.at("lid", "_") or self.at_sym("_")):
                self.next()
            else:
                path = [self.next().val]
                while self.at_sym("."):
                    self.next()
                    path.append(self.next().val)
                if self.at_sym(":"):
                    self.next()
                    self.skip_type(("=", ";", "}"))
                if self.at_sym("="):
                    self.next()
                    fields.append((path[-1], value()))
                else:
                    fields.append((path[-1], pun(path[-1])))
            if self.at_sym(";"):
                self.next()
        self.next()
        return fields

    def simple_expr(self):
        e = self.simple_expr0()
        while True:
            if self.at_sym(".") and self.at("lid", None, 1):
                self.next()
                e = ("field", e, self.next().val)
            elif self.at_sym(".") and self.at("uid", None, 1):
                # e.M.field: the module qualifies the field's name only
                self.next()
                self.next()
                while self.at_sym(".") and self.at("uid", None, 1):
                    self.next()
                    self.next()
                self.expect("sym", ".")
                e = ("field", e, self.expect("lid").val)
            elif self.at_sym(".") and self.at("sym", "(", 1):
                self.fail("array indexing is not supported")
            else:
                return e

    def simple_expr0(self):
        t = self.next()
        k = t.kind
        if k in ("str", "int", "float", "char"):
            return ("const", t.val)
        if k == "kw" and t.val in ("true", "false"):
            return ("const", t.val == "true")
        if k == "lid":
            return ("var", [t.val])
        if k == "uid":
            path = [t.val]
            while self.at_sym("."):
                if self.at("uid", None, 1):
                    self.next()
                    path.append(self.next().val)
                elif self.at("lid", None, 1):
                    self.next()
                    path.append(self.next().val)
                    return ("var", path)
                elif self.at("sym", "(", 1):
                    self.next()
                    self.next()
                    if self.at_sym(")"):
                        self.next()
                        return ("const", ())
                    e = self.in_parens(self.expr)
                    self.expect("sym", ")")
                    return ("letopen", ("path", path), e)
                else:
                    break
            return ("con", path[-1], None)
        if k == "kw" and t.val == "begin":
            if self.at_kw("end"):
                self.next()
                return ("const", ())
            e = self.in_parens(self.expr)
            self.expect("kw", "end")
            return e
        if k == "sym" and t.val == "(":
            if self.at_sym(")"):
                self.next()
                return ("const", ())
            if self.at("sym") and self.peek().val not in ("(", "[", "{", "[|", "-", "!", "~", "?") \
                    and self.at("sym", ")", 1):
                op = self.next().val
                self.next()
                return ("var", [op])
            if self.at("kw") and self.peek().val in ("mod", "land", "lor", "lxor", "lsl", "lsr",
                                                      "asr", "or") and self.at("sym", ")", 1):
                op = self.next().val
                self.next()
                return ("var", [op])
            if self.at_sym("-") and self.at("sym", ")", 1):
                self.next()
                self.next()
                return ("var", ["-"])
            e = self.in_parens(self.expr)
            if self.at_sym(":", ":>"):
                self.next()
                self.skip_type((")",))
            self.expect("sym", ")")
            return e
        if k == "sym" and t.val == "[":
            items = []
            while not self.at_sym("]"):
                items.append(self.in_list(self.expr))
                if self.at_sym(";"):
                    self.next()
                elif not self.at_sym("]"):
                    self.fail("expected ; or ] in a list")
            self.next()
            return ("list", items)
        if k == "sym" and t.val == "[|":
            items = []
            while not self.at_sym("|]"):
                items.append(self.in_list(self.expr))
                if self.at_sym(";"):
                    self.next()
            self.next()
            return ("list", items)
        if k == "sym" and t.val == "{":
            base = None
            # { e with ... } ?
            save = self.i
            if not (self.at("lid") and (self.at("sym", "=", 1) or self.at("sym", ";", 1) or
                                         self.at("sym", "}", 1) or self.at("sym", ":", 1))) and \
                    not (self.at("uid") and self.at("sym", ".", 1)):
                base = self.in_list(self.tuple_expr_nowith)
                self.expect("kw", "with")
            else:
                # `{ x with ...}` where x is a plain variable
                if self.at("lid") and self.at("kw", "with", 1):
                    base = ("var", [self.next().val])
                    self.next()
                else:
                    self.i = save
            fields = self.record_fields(lambda: self.in_list(self.expr),
                                        lambda n: ("var", [n]), False)
            return ("record", base, fields)
        if k == "sym" and t.val == "!":
            return ("deref", self.simple_expr())
        self.i -= 1
        self.fail("unexpected %r in an expression" % (t.val,))

    def tuple_expr_nowith(self):
        return self.app()


# --- values -------------------------------------------------------------------

class Thunk:
    __slots__ = ("fn", "val", "busy")

    def __init__(self, fn):
        self.fn, self.val, self.busy = fn, None, False

    def get(self):
        if self.fn is not None:
            if self.busy:
                raise EvalError("a value depends on itself")
            self.busy = True
            try:
                self.val = self.fn()
            finally:
                self.busy = False
            self.fn = None
        return self.val


def force(v):
    while isinstance(v, Thunk):
        v = v.get()
    return v


class Con:
    __slots__ = ("name", "arg")

    def __init__(self, name, arg=None):
        self.name, self.arg = name, arg

    def __repr__(self):
        return "Con(%s%s)" % (self.name, "" if self.arg is None else " " + repr(force(self.arg)))


class Record:
    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f


class Closure:
    def __init__(self, params, body, env, bound=None):
        self.params, self.body, self.env = params, body, env
        self.bound = bound or {}   # param index -> thunk


class Builtin:
    def __init__(self, name, arity, fn, args=()):
        self.name, self.arity, self.fn, self.args = name, arity, fn, tuple(args)


class Module:
    def __init__(self, name, names=None):
        self.name = name
        self.names = names if names is not None else {}
        self.modules = {}


UNIT = ()
NONE = Con("None")


def some(v):
    return Con("Some", v)


class Env:
    __slots__ = ("parent", "names", "opened", "modules")

    def __init__(self, parent, names=None, opened=None, modules=None):
        self.parent, self.names, self.opened, self.modules = parent, names, opened, modules

    def lookup(self, name):
        e = self
        while e is not None:
            if e.names is not None and name in e.names:
                return e.names[name]
            if e.opened is not None:
                if name in e.opened.names:
                    return e.opened.names[name]
            e = e.parent
        raise KeyError(name)

    def module(self, name, world):
        e = self
        while e is not None:
            if e.modules is not None and name in e.modules:
                return e.modules[name]
            if e.opened is not None and name in e.opened.modules:
                return e.opened.modules[name]
            e = e.parent
        return world.module(name)


def deep_eq(a, b):
    a, b = force(a), force(b)
    if isinstance(a, Con) or isinstance(b, Con):
        if not (isinstance(a, Con) and isinstance(b, Con)) or a.name != b.name:
            return False
        if a.arg is None or b.arg is None:
            return a.arg is None and b.arg is None
        return deep_eq(a.arg, b.arg)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(deep_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, Record) and isinstance(b, Record):
        return a.f.keys() == b.f.keys() and all(deep_eq(a.f[k], b.f[k]) for k in a.f)
    if isinstance(a, (Closure, Builtin)):
        raise EvalError("compare: functional value")
    return type(a) == type(b) and a == b


def deep_cmp(a, b):
    a, b = force(a), force(b)
    if isinstance(a, (int, float, str)) and isinstance(b, type(a)):
        return (a > b) - (a < b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        for x, y in zip(a, b):
            c = deep_cmp(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if deep_eq(a, b):
        return 0
    raise EvalError("compare: unsupported values")


# --- the interpreter -------------------------------------------------------------

class World:
    """Every module: native ones, and files parsed on first use."""

    def __init__(self, sources):
        self.sources = sources          # module name -> (file name, text)
        self.mods = {}
        self.loading = set()
        from ocaml_stdlib import native_modules
        for m in native_modules(self):
            self.mods[m.name] = m

    def module(self, name):
        if name in self.mods:
            return self.mods[name]
        if name not in self.sources:
            raise EvalError("unknown module %s" % name)
        if name in self.loading:
            raise EvalError("module %s depends on itself" % name)
        self.loading.add(name)
        fname, text = self.sources[name]
        items = Parser(lex(text, fname), fname).structure()
        m = Module(name)
        self.eval_structure(items, Env(None), m)
        self.mods[name] = m
        self.loading.discard(name)
        return m

    # structures
    def eval_structure(self, items, env, mod):
        for it in items:
            tag = it[0]
            if tag == "let":
                env = self.bind_let(it[1], it[2], env, toplevel=mod)
            elif tag == "open":
                env = Env(env, opened=self.module_value(it[1], env, "open"))
            elif tag == "include":
                m = self.module_value(it[1], env, "include")
                mod.names.update(m.names)
                mod.modules.update(m.modules)
                env = Env(env, opened=m)
            elif tag == "module":
                m = self.module_value(it[2], env, it[1])
                mod.modules[it[1]] = m
                env = Env(env, modules={it[1]: m})
            elif tag == "broken":
                names = {}
                for n in it[1]:
                    names[n] = Thunk(lambda e=it[2]: (_ for _ in ()).throw(EvalError(e)))
                mod.names.update(names)
                env = Env(env, names=names)
        return env

    def module_value(self, me, env, name):
        if me[0] == "struct":
            m = Module(name)
            self.eval_structure(me[1], Env(env), m)
            return m
        if me[0] == "path":
            m = env.module(me[1][0], self)
            for p in me[1][1:]:
                if p not in m.modules:
                    raise EvalError("unknown module %s" % ".".join(me[1]))
                m = m.modules[p]
            return m
        # a functor application: usable only if nothing in it is needed
        return Module(name)

    def bind_let(self, rec, binds, env, toplevel=None):
        names = {}
        new = Env(env, names=names)
        benv = new if rec else env
        for pat, e in binds:
            if pat[0] == "pvar":
                names[pat[1]] = Thunk(lambda e=e: self.eval(e, benv))
            elif pat[0] in ("pany",) or (pat[0] == "pconst" and pat[1] == ()):
                continue
            else:
                whole = Thunk(lambda e=e: self.eval(e, benv))
                for v in pattern_vars(pat):
                    names[v] = Thunk(lambda v=v, pat=pat, whole=whole: self.destructure(pat, whole, v))
        if toplevel is not None:
            toplevel.names.update(names)
        return new

    def destructure(self, pat, whole, var):
        b = {}
        if not self.match(pat, whole, b):
            raise OCamlRaise(Con("Match_failure"))
        return force(b[var])

    # expressions
    def eval(self, e, env):
        tag = e[0]
        if tag == "const":
            return e[1]
        if tag == "var":
            return force(self.lookup(e[1], env))
        if tag == "app":
            f = self.eval(e[1], env)
            args = [(k, l, Thunk(lambda a=a: self.eval(a, env))) for k, l, a in e[2]]
            return self.apply(f, args)
        if tag == "con":
            return Con(e[1], None if e[2] is None else Thunk(lambda: self.eval(e[2], env)))
        if tag == "list":
            return [Thunk(lambda x=x: self.eval(x, env)) for x in e[1]]
        if tag == "tuple":
            return tuple(Thunk(lambda x=x: self.eval(x, env)) for x in e[1])
        if tag == "record":
            f = {}
            if e[1] is not None:
                base = self.eval(e[1], env)
                if not isinstance(base, Record):
                    raise EvalError("{ _ with }: not a record")
                f.update(base.f)
            for n, x in e[2]:
                f[n] = Thunk(lambda x=x: self.eval(x, env))
            return Record(f)
        if tag == "field":
            r = self.eval(e[1], env)
            if not isinstance(r, Record) or e[2] not in r.f:
                raise EvalError("no record field %s" % e[2])
            return force(r.f[e[2]])
        if tag == "binop":
            return self.binop(e[1], e[2], e[3], env)
        if tag == "neg":
            return -self.eval(e[1], env)
        if tag == "let":
            return self.eval(e[3], self.bind_let(e[1], e[2], env))
        if tag == "letopen":
            return self.eval(e[2], Env(env, opened=self.module_value(e[1], env, "open")))
        if tag == "fun":
            return Closure(e[1], e[2], env)
        if tag == "match":
            v = Thunk(lambda: self.eval(e[1], env))
            return self.match_arms(v, e[2], env)
        if tag == "try":
            try:
                return force(self.eval(e[1], env))
            except OCamlRaise as x:
                return self.match_arms(x.value, e[2], env, reraise=x)
        if tag == "if":
            c = self.eval(e[1], env)
            if c is True:
                return self.eval(e[2], env)
            if c is False:
                return UNIT if e[3] is None else self.eval(e[3], env)
            raise EvalError("if: not a bool")
        if tag == "seq":
            force(self.eval(e[1], env))
            return self.eval(e[2], env)
        if tag == "assert":
            return UNIT
        if tag == "deref":
            raise EvalError("references are not supported")
        raise EvalError("cannot evaluate %s" % tag)

    def lookup(self, path, env):
        if len(path) == 1:
            try:
                return env.lookup(path[0])
            except KeyError:
                m = self.mods.get("Stdlib")
                if m and path[0] in m.names:
                    return m.names[path[0]]
                raise EvalError("unbound value %s" % path[0])
        m = env.module(path[0], self)
        for p in path[1:-1]:
            if p not in m.modules:
                raise EvalError("unknown module %s" % ".".join(path[:-1]))
            m = m.modules[p]
        if path[-1] not in m.names:
            raise EvalError("unbound value %s" % ".".join(path))
        return m.names[path[-1]]

    def binop(self, op, a, b, env):
        if op == "&&":
            return self.eval(a, env) and self.eval(b, env)
        if op in ("||", "or"):
            return self.eval(a, env) or self.eval(b, env)
        if op == "::":
            tail = self.eval(b, env)
            return [Thunk(lambda: self.eval(a, env))] + list(tail)
        if op == "|>":
            x = Thunk(lambda: self.eval(a, env))
            return self.apply(self.eval(b, env), [("pos", None, x)])
        if op == "@@":
            x = Thunk(lambda: self.eval(b, env))
            return self.apply(self.eval(a, env), [("pos", None, x)])
        f = self.lookup([op], env)
        return self.apply(f, [("pos", None, Thunk(lambda: self.eval(a, env))),
                              ("pos", None, Thunk(lambda: self.eval(b, env)))])

    def match_arms(self, v, arms, env, reraise=None):
        for pat, guard, body in arms:
            b = {}
            if pat[0] == "pexn":
                continue
            if self.match(pat, v, b):
                e2 = Env(env, names=b)
                if guard is not None and self.eval(guard, e2) is not True:
                    continue
                return self.eval(body, e2)
        if reraise is not None:
            raise reraise
        raise OCamlRaise(Con("Match_failure"))

    def match(self, p, v, b):
        tag = p[0]
        if tag == "pvar":
            b[p[1]] = v
            return True
        if tag == "pany":
            return True
        if tag == "pas":
            b[p[2]] = v
            return self.match(p[1], v, b)
        if tag == "por":
            b2 = {}
            if self.match(p[1], v, b2):
                b.update(b2)
                return True
            return self.match(p[2], v, b)
        v = force(v)
        if tag == "pconst":
            return deep_eq(p[1], v)
        if tag == "pcon":
            if not isinstance(v, Con) or v.name != p[1]:
                return False
            if p[2] is None:
                return True
            if v.arg is None:
                raise EvalError("constructor %s has no argument" % v.name)
            return self.match(p[2], v.arg, b)
        if tag == "ptuple":
            if not isinstance(v, tuple) or len(v) != len(p[1]):
                # a constructor with a tuple argument, matched as C (a, b)
                raise EvalError("tuple pattern on a non-tuple")
            return all(self.match(q, x, b) for q, x in zip(p[1], v))
        if tag == "plist":
            return isinstance(v, list) and len(v) == len(p[1]) and \
                all(self.match(q, x, b) for q, x in zip(p[1], v))
        if tag == "pcons":
            if not isinstance(v, list) or not v:
                return False
            return self.match(p[1], v[0], b) and self.match(p[2], v[1:], b)
        if tag == "precord":
            if not isinstance(v, Record):
                return False
            for n, q in p[1]:
                if n not in v.f:
                    raise EvalError("record has no field %s" % n)
                if not self.match(q, v.f[n], b):
                    return False
            return True
        raise EvalError("cannot match %s" % tag)

    # application, with OCaml's labelled and optional arguments
    def apply(self, f, args):
        f = force(f)
        while args:
            if isinstance(f, Builtin):
                pos = [a for a in args if a[0] == "pos"]
                # labels given to a builtin are ignored (none of ours takes any)
                need = f.arity - len(f.args)
                take, rest = pos[:need], pos[need:]
                allargs = f.args + tuple(t for _, _, t in take)
                if len(allargs) < f.arity:
                    return Builtin(f.name, f.arity, f.fn, allargs)
                f = force(f.fn(*allargs))
                args = rest
                continue
            if isinstance(f, Con):
                raise EvalError("applying constructor %s" % f.name)
            if not isinstance(f, Closure):
                raise EvalError("applying a non-function")
            f, args = self.apply_closure(f, args)
        return f

    def apply_closure(self, f, args):
        params, bound = f.params, dict(f.bound)
        rest = []
        # labels commute with positional arguments: match them first
        args = [a for a in args if a[0] != "pos"] + [a for a in args if a[0] == "pos"]
        for kind, label, th in args:
            if kind in ("lab", "optarg"):
                for i, (pk, pl, _, _) in enumerate(params):
                    if i not in bound and pk in ("lab", "opt") and pl == label:
                        if pk == "opt" and kind == "lab":
                            bound[i] = Thunk(lambda th=th: some(th))
                        else:
                            bound[i] = th
                        break
                else:
                    rest.append((kind, label, th))
            else:
                for i, (pk, _, _, _) in enumerate(params):
                    if i in bound:
                        continue
                    if pk == "opt":
                        bound[i] = None     # erased: default
                        continue
                    if pk == "pos":
                        bound[i] = th
                        break
                else:
                    rest.append((kind, label, th))
        # complete once every positional and labelled parameter has a value
        missing = [i for i, (pk, _, _, _) in enumerate(params) if pk != "opt" and i not in bound]
        if missing:
            if rest:
                raise EvalError("arguments left over for a partial application")
            return Closure(params, f.body, f.env, bound), []
        names = {}
        env = Env(f.env, names=names)
        for i, (pk, pl, pat, default) in enumerate(params):
            th = bound.get(i)
            if pk == "opt":
                if th is None:
                    if default is None:
                        th = NONE
                    else:
                        th = Thunk(lambda d=default, env=env: self.eval(d, env))
                elif default is not None:
                    opt = th
                    th = Thunk(lambda opt=opt, d=default, env=env: self.unopt(opt, d, env))
            if not self.match(pat, th, names):
                raise OCamlRaise(Con("Match_failure"))
        return force(self.eval(f.body, env)), rest

    def unopt(self, opt, default, env):
        v = force(opt)
        if isinstance(v, Con) and v.name == "Some":
            return force(v.arg)
        return self.eval(default, env)


def pattern_vars(p):
    tag = p[0]
    if tag == "pvar":
        return [p[1]]
    if tag == "pas":
        return pattern_vars(p[1]) + [p[2]]
    if tag == "por":
        return pattern_vars(p[1])
    if tag == "pcon":
        return [] if p[2] is None else pattern_vars(p[2])
    if tag in ("ptuple", "plist"):
        return [v for q in p[1] for v in pattern_vars(q)]
    if tag == "pcons":
        return pattern_vars(p[1]) + pattern_vars(p[2])
    if tag == "precord":
        return [v for _, q in p[1] for v in pattern_vars(q)]
    return []
