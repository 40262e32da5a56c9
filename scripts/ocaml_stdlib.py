"""The part of OCaml's standard library (and of xapi's Date) that the
datamodel uses, as native functions for scripts/ocaml_eval.py.  Lists stay
lazy in their elements where the function allows it."""

import re

from ocaml_eval import (UNIT, NONE, Builtin, Con, EvalError, Module, OCamlRaise, Record,
                        Thunk, deep_cmp, deep_eq, force, some)


def fmt_float(f):
    """OCaml's string_of_float: "%.12g", with a "." if it looks like an int."""
    s = "%.12g" % f
    if re.fullmatch(r"-?[0-9]+", s):
        s += "."
    return s


def sprintf(fmt):
    convs = re.findall(r"%(?:%|[-0+ #]*[0-9]*(?:\.[0-9]+)?[lLn]?[a-zA-Z!])", fmt)
    convs = [c for c in convs if c != "%%"]

    def render(*args):
        vals, out, i = [force(a) for a in args], [], 0
        for piece in re.split(r"(%(?:%|[-0+ #]*[0-9]*(?:\.[0-9]+)?[lLn]?[a-zA-Z!]))", fmt):
            if not piece.startswith("%"):
                out.append(piece)
            elif piece == "%%":
                out.append("%")
            else:
                v, conv = vals[i], piece[-1]
                i += 1
                spec = re.sub(r"[lLn]", "", piece[:-1])
                if conv == "s":
                    out.append((spec + "s") % v)
                elif conv == "S":
                    out.append('"%s"' % v.replace("\\", "\\\\").replace('"', '\\"'))
                elif conv in "diu":
                    out.append((spec + "d") % v)
                elif conv in "xXo":
                    out.append((spec + conv) % v)
                elif conv == "b":
                    out.append("true" if v else "false")
                elif conv in "feEgG":
                    out.append((spec + conv) % v)
                elif conv == "c":
                    out.append(v)
                else:
                    raise EvalError("Printf: %s is not supported" % piece)
        return "".join(out)

    if not convs:
        return render()
    return Builtin("sprintf", len(convs), render)


def native_modules(w):
    ap = w.apply

    def call(f, *xs):
        return ap(f, [("pos", None, x) for x in xs])

    def b(name, arity, fn):
        return Builtin(name, arity, fn)

    def lst(x):
        v = force(x)
        if not isinstance(v, list):
            raise EvalError("not a list")
        return v

    def fail(msg):
        raise OCamlRaise(Con("Failure", msg))

    def not_found():
        raise OCamlRaise(Con("Not_found"))

    def raise_(e):
        raise OCamlRaise(force(e))

    def arith(op):
        return lambda a, c: op(force(a), force(c))

    def idiv(a, c):
        a, c = force(a), force(c)
        q = abs(a) // abs(c)
        return q if (a >= 0) == (c >= 0) else -q

    stdlib = Module("Stdlib", {
        "=": b("=", 2, lambda a, c: deep_eq(a, c)),
        "<>": b("<>", 2, lambda a, c: not deep_eq(a, c)),
        "==": b("==", 2, lambda a, c: deep_eq(a, c)),
        "!=": b("!=", 2, lambda a, c: not deep_eq(a, c)),
        "<": b("<", 2, lambda a, c: deep_cmp(a, c) < 0),
        ">": b(">", 2, lambda a, c: deep_cmp(a, c) > 0),
        "<=": b("<=", 2, lambda a, c: deep_cmp(a, c) <= 0),
        ">=": b(">=", 2, lambda a, c: deep_cmp(a, c) >= 0),
        "compare": b("compare", 2, deep_cmp),
        "min": b("min", 2, lambda a, c: force(a) if deep_cmp(a, c) <= 0 else force(c)),
        "max": b("max", 2, lambda a, c: force(a) if deep_cmp(a, c) >= 0 else force(c)),
        "+": b("+", 2, arith(lambda a, c: a + c)),
        "-": b("-", 2, arith(lambda a, c: a - c)),
        "*": b("*", 2, arith(lambda a, c: a * c)),
        "/": b("/", 2, idiv),
        "+.": b("+.", 2, arith(lambda a, c: a + c)),
        "-.": b("-.", 2, arith(lambda a, c: a - c)),
        "*.": b("*.", 2, arith(lambda a, c: a * c)),
        "/.": b("/.", 2, arith(lambda a, c: a / c)),
        "mod": b("mod", 2, arith(lambda a, c: a - c * idiv(a, c))),
        "^": b("^", 2, arith(lambda a, c: a + c)),
        "@": b("@", 2, lambda a, c: lst(a) + lst(c)),
        "not": b("not", 1, lambda a: not force(a)),
        "fst": b("fst", 1, lambda p: force(force(p)[0])),
        "snd": b("snd", 1, lambda p: force(force(p)[1])),
        "ignore": b("ignore", 1, lambda a: UNIT),
        "failwith": b("failwith", 1, lambda m: fail(force(m))),
        "invalid_arg": b("invalid_arg", 1, lambda m: raise_(Con("Invalid_argument", m))),
        "raise": b("raise", 1, raise_),
        "string_of_int": b("string_of_int", 1, lambda a: str(force(a))),
        "string_of_float": b("string_of_float", 1, lambda a: fmt_float(force(a))),
        "string_of_bool": b("string_of_bool", 1, lambda a: "true" if force(a) else "false"),
        "int_of_string": b("int_of_string", 1, lambda a: int(force(a), 0)),
        "float_of_int": b("float_of_int", 1, lambda a: float(force(a))),
        "succ": b("succ", 1, lambda a: force(a) + 1),
        "pred": b("pred", 1, lambda a: force(a) - 1),
        "abs": b("abs", 1, lambda a: abs(force(a))),
        "@@": b("@@", 2, lambda f, x: call(f, x)),
        "|>": b("|>", 2, lambda x, f: call(f, x)),
        "Fun.id": b("id", 1, force),
    })

    def l_map(f, l):
        return [Thunk(lambda x=x: call(f, x)) for x in lst(l)]

    def l_mapi(f, l):
        return [Thunk(lambda i=i, x=x: call(f, i, x)) for i, x in enumerate(lst(l))]

    def l_concat(ls):
        return [x for l in lst(ls) for x in lst(l)]

    def l_concat_map(f, l):
        return [y for x in lst(l) for y in lst(call(f, x))]

    def l_filter(f, l):
        return [x for x in lst(l) if call(f, x) is True]

    def l_filter_map(f, l):
        out = []
        for x in lst(l):
            o = force(call(f, x))
            if o.name == "Some":
                out.append(o.arg)
        return out

    def l_assoc(k, l):
        for p in lst(l):
            p = force(p)
            if deep_eq(p[0], k):
                return force(p[1])
        not_found()

    def l_assoc_opt(k, l):
        for p in lst(l):
            p = force(p)
            if deep_eq(p[0], k):
                return some(p[1])
        return NONE

    def l_find(f, l):
        for x in lst(l):
            if call(f, x) is True:
                return force(x)
        not_found()

    def l_find_opt(f, l):
        for x in lst(l):
            if call(f, x) is True:
                return some(x)
        return NONE

    def l_fold_left(f, acc, l):
        for x in lst(l):
            acc = call(f, acc, x)
        return force(acc)

    def l_fold_right(f, l, acc):
        for x in reversed(lst(l)):
            acc = call(f, x, acc)
        return force(acc)

    def l_iter(f, l):
        for x in lst(l):
            call(f, x)
        return UNIT

    def l_sort(cmpf, l):
        import functools
        return sorted(lst(l), key=functools.cmp_to_key(lambda a, c: force(call(cmpf, a, c))))

    def l_sort_uniq(cmpf, l):
        out = []
        for x in l_sort(cmpf, l):
            if not out or force(call(cmpf, out[-1], x)) != 0:
                out.append(x)
        return out

    def l_hd(l):
        l = lst(l)
        return force(l[0]) if l else fail("hd")

    lists = Module("List", {
        "map": b("map", 2, l_map), "mapi": b("mapi", 2, l_mapi),
        "concat": b("concat", 1, l_concat), "flatten": b("flatten", 1, l_concat),
        "concat_map": b("concat_map", 2, l_concat_map),
        "filter": b("filter", 2, l_filter), "filter_map": b("filter_map", 2, l_filter_map),
        "mem": b("mem", 2, lambda x, l: any(deep_eq(x, y) for y in lst(l))),
        "assoc": b("assoc", 2, l_assoc), "assoc_opt": b("assoc_opt", 2, l_assoc_opt),
        "mem_assoc": b("mem_assoc", 2,
                       lambda k, l: any(deep_eq(force(p)[0], k) for p in lst(l))),
        "rev": b("rev", 1, lambda l: list(reversed(lst(l)))),
        "length": b("length", 1, lambda l: len(lst(l))),
        "hd": b("hd", 1, l_hd), "tl": b("tl", 1, lambda l: lst(l)[1:]),
        "nth": b("nth", 2, lambda l, i: force(lst(l)[force(i)])),
        "append": b("append", 2, lambda a, c: lst(a) + lst(c)),
        "rev_append": b("rev_append", 2, lambda a, c: list(reversed(lst(a))) + lst(c)),
        "fold_left": b("fold_left", 3, l_fold_left),
        "fold_right": b("fold_right", 3, l_fold_right),
        "iter": b("iter", 2, l_iter),
        "exists": b("exists", 2, lambda f, l: any(call(f, x) is True for x in lst(l))),
        "for_all": b("for_all", 2, lambda f, l: all(call(f, x) is True for x in lst(l))),
        "find": b("find", 2, l_find), "find_opt": b("find_opt", 2, l_find_opt),
        "init": b("init", 2, lambda n, f: [Thunk(lambda i=i: call(f, i))
                                           for i in range(force(n))]),
        "sort": b("sort", 2, l_sort), "stable_sort": b("stable_sort", 2, l_sort),
        "sort_uniq": b("sort_uniq", 2, l_sort_uniq),
        "split": b("split", 1, lambda l: ([force(p)[0] for p in lst(l)],
                                          [force(p)[1] for p in lst(l)])),
        "combine": b("combine", 2, lambda a, c: [(x, y) for x, y in zip(lst(a), lst(c))]),
    })

    strings = Module("String", {
        "concat": b("concat", 2, lambda sep, l: force(sep).join(force(x) for x in lst(l))),
        "lowercase_ascii": b("lowercase_ascii", 1, lambda s: force(s).lower()),
        "uppercase_ascii": b("uppercase_ascii", 1, lambda s: force(s).upper()),
        "capitalize_ascii": b("capitalize_ascii", 1,
                              lambda s: force(s)[:1].upper() + force(s)[1:]),
        "uncapitalize_ascii": b("uncapitalize_ascii", 1,
                                lambda s: force(s)[:1].lower() + force(s)[1:]),
        "length": b("length", 1, lambda s: len(force(s))),
        "equal": b("equal", 2, lambda a, c: force(a) == force(c)),
        "sub": b("sub", 3, lambda s, i, n: force(s)[force(i):force(i) + force(n)]),
        "split_on_char": b("split_on_char", 2, lambda c, s: force(s).split(force(c))),
        "starts_with": b("starts_with", 2, lambda p, s: force(s).startswith(force(p))),
        "make": b("make", 2, lambda n, c: force(c) * force(n)),
    })

    printf = Module("Printf", {"sprintf": b("sprintf", 1, lambda f: sprintf(force(f)))})

    def o_map(f, o):
        o = force(o)
        return NONE if o.name == "None" else some(Thunk(lambda: call(f, o.arg)))

    def o_get(o):
        o = force(o)
        return force(o.arg) if o.name == "Some" else raise_(Con("Invalid_argument", "option is None"))

    option = Module("Option", {
        "map": b("map", 2, o_map), "get": b("get", 1, o_get),
        "value": b("value", 2, lambda o, d: force(force(o).arg) if force(o).name == "Some"
                   else force(d)),
        "is_some": b("is_some", 1, lambda o: force(o).name == "Some"),
        "is_none": b("is_none", 1, lambda o: force(o).name == "None"),
        "some": b("some", 1, some),
    })

    int64 = Module("Int64", {
        "to_string": b("to_string", 1, lambda a: str(force(a))),
        "of_int": b("of_int", 1, force), "to_int": b("to_int", 1, force),
        "of_string": b("of_string", 1, lambda a: int(force(a), 0)),
        "add": b("add", 2, arith(lambda a, c: a + c)),
        "mul": b("mul", 2, arith(lambda a, c: a * c)),
        "zero": 0, "one": 1,
    })

    # Dates: only the epoch appears in defaults (Date.epoch, Date.never,
    # Date.of_float 0.); held as the text xapi writes for them.
    def d_of_float(f):
        import datetime
        t = datetime.datetime.fromtimestamp(force(f), datetime.timezone.utc)
        return t.strftime("%Y%m%dT%H:%M:%SZ")

    date_names = {
        "epoch": "19700101T00:00:00Z", "never": "19700101T00:00:00Z",
        "of_float": b("of_float", 1, d_of_float),
        "to_rfc3339": b("to_rfc3339", 1, force), "to_string": b("to_string", 1, force),
    }
    date = Module("Date", dict(date_names))
    clock = Module("Clock")
    clock.modules["Date"] = date
    stdext_date = Module("Xapi_stdext_date")
    stdext_date.modules["Date"] = date
    fun = Module("Fun", {"id": b("id", 1, force)})

    # Task.backtrace's default is Sexp.to_string (Backtrace.sexp_of_t empty):
    # Backtrace.t is a frame list ([@@deriving sexp], libs/backtrace), so the
    # empty one is the empty S-expression list.  Datamodels before the
    # library moved into xen-api say Sexplib for Sexplib0, with the same
    # Backtrace (taken to be the same code; task is never persisted anyway).
    def bt_sexp(t):
        if force(t) != []:
            raise EvalError("Backtrace.sexp_of_t: only the empty backtrace is known")
        return Con("List", [])

    def sexp_to_string(s):
        s = force(s)
        if s.name == "List" and force(s.arg) == []:
            return "()"
        raise EvalError("Sexp.to_string: only the empty list is known")

    backtrace = Module("Backtrace", {"empty": [], "sexp_of_t": b("sexp_of_t", 1, bt_sexp)})
    sexplib0 = Module("Sexplib0")
    sexplib0.modules["Sexp"] = Module("Sexp", {"to_string": b("to_string", 1, sexp_to_string)})
    sexplib = Module("Sexplib")
    sexplib.modules["Sexp"] = sexplib0.modules["Sexp"]
    mods = [stdlib, lists, strings, printf, option, int64, clock, stdext_date, fun, date,
            backtrace, sexplib0, sexplib]
    return mods


__all__ = ["native_modules", "fmt_float", "Record"]
