#!/usr/bin/env python3
"""Write xapi's database schema, as xen-api's datamodel defines it, into
schema/xapi/xapi.schema (the format is in docs/sif-db-check.1).

    scripts/xapi-schema.py --git-dir XEN_API.git [--out FILE] REV...

For each REV (a tag, branch or commit of xen-api), the datamodel files of
that revision (ocaml/idl/*.ml, plus ocaml/xapi-consts/constants.ml) are read
with `git show` and evaluated by scripts/ocaml_eval.py; from
Datamodel.all_system, as Datamodel_schema.of_datamodel does, come the
tables (every object: xapi writes each one, with no rows when the object is
not PersistEverything) and their columns (every field, namespaces joined
with "__", and `_ref`), each column's type, default (Datamodel_values.to_db,
marshalled as xapi stores it; Set(Ref _) always "()") and lifecycle state.
The schema version is Datamodel_common.schema_major_vsn/minor_vsn.

Revisions with the same schema version must give the same schema (else the
script stops).  The output merges all versions: a line that holds for only
some of them ends with `@` and the versions it holds for.  No network, no
OCaml toolchain: only git and this script.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ocaml_eval import Con, EvalError, OCamlRaise, Record, World, force  # noqa: E402
from ocaml_stdlib import fmt_float  # noqa: E402


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")


def sources_at(gitdir, rev):
    files = git(gitdir, "ls-tree", "-r", "--name-only", rev, "ocaml").split("\n")
    wanted = [f for f in files if f.startswith("ocaml/idl/") and f.count("/") == 2 and
              f.endswith(".ml")]
    wanted += [f for f in files if f.endswith("xapi-consts/constants.ml")]
    src = {}
    for f in wanted:
        mod = os.path.basename(f)[:-3]
        src[mod[0].upper() + mod[1:]] = (rev + ":" + f, git(gitdir, "show", rev + ":" + f))
    return src


def field(rec, name):
    return force(rec.f[name])


# --- values as xapi stores them --------------------------------------------------

def sexpr_atom(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def scalar_string(v):
    """Datamodel_values.to_string: what a set element or map key becomes."""
    v = force(v)
    if v.name == "VString" or v.name == "VEnum":
        return force(v.arg)
    if v.name == "VInt":
        return str(force(v.arg))
    if v.name == "VFloat":
        return fmt_float(force(v.arg))
    raise EvalError("a %s cannot be a set element or map key" % v.name)


def to_db(v):
    """Datamodel_values.to_db, then Schema.Value.marshal."""
    v = force(v)
    n = v.name
    if n in ("VString", "VEnum", "VRef"):
        return force(v.arg)
    if n == "VInt":
        return str(force(v.arg))
    if n == "VFloat":
        return fmt_float(force(v.arg))
    if n == "VBool":
        return "true" if force(v.arg) else "false"
    if n == "VDateTime":
        return force(v.arg)
    if n == "VSet":
        return "(" + " ".join(sexpr_atom(scalar_string(x)) for x in force(v.arg)) + ")"
    if n == "VCustom":      # older datamodels: (OCaml code, value); the value is stored
        return to_db(force(v.arg)[1])
    if n == "VMap":
        pairs = []
        for p in force(v.arg):
            k, x = force(p)
            pairs.append("(%s %s)" % (sexpr_atom(scalar_string(k)), sexpr_atom(scalar_string(x))))
        return "(" + " ".join(pairs) + ")"
    raise EvalError("default value %s" % n)


def protect(s):
    """Xml_spaces.protect: how the value stands in the file (no whitespace left)."""
    out = []
    for c in s:
        out.append({"%": "%%", " ": "%.", "\t": "%t", "\n": "%n", "\r": "%r"}.get(c, c))
    return "".join(out)


# --- types -------------------------------------------------------------------------

class Schema:
    def __init__(self, major, minor):
        self.major, self.minor = major, minor
        self.enums = {}             # name -> tuple of values
        self.tables = []            # (name, persist, in_db, [columns])

    def type_text(self, ty):
        ty = force(ty)
        n = ty.name
        simple = {"String": "string", "SecretString": "secret", "Int": "int", "Float": "float",
                  "Bool": "bool", "DateTime": "datetime"}
        if n in simple:
            return simple[n]
        if n == "Enum":
            name, values = force(ty.arg)
            name = force(name)
            vals = tuple(force(force(v)[0]) for v in force(values))
            old = self.enums.get(name)
            if old is not None and old != vals:
                raise EvalError("two enums named %s with different values" % name)
            self.enums[name] = vals
            return "enum(%s)" % name
        if n == "Ref":
            return "ref(%s)" % force(ty.arg)
        if n == "Set":
            return "set(%s)" % self.type_text(ty.arg)
        if n == "Map":
            k, v = force(ty.arg)
            return "map(%s,%s)" % (self.type_text(k), self.type_text(v))
        if n == "Option":
            return "option(%s)" % self.type_text(ty.arg)
        if n == "Record":
            return "record(%s)" % force(ty.arg)
        raise EvalError("type %s" % n)


STATES = {"Unreleased_s": "unreleased", "Prototyped_s": "prototyped",
          "Published_s": "published", "Deprecated_s": "deprecated", "Removed_s": "removed"}


def lifecycle_state(f):
    """The field's state after its transitions (Lifecycle.from; older
    datamodels keep the transition list itself)."""
    lc = field(f, "lifecycle")
    if isinstance(lc, Record):
        return STATES[field(lc, "state").name]
    state = "unreleased"
    for t in lc:
        change = force(force(t)[0]).name
        state = {"Prototyped": "prototyped", "Published": "published",
                 "Deprecated": "deprecated", "Removed": "removed"}.get(change, state)
    return state


def flatten(contents, out):
    for c in force(contents):
        c = force(c)
        if c.name == "Field":
            out.append(force(c.arg))
        elif c.name == "Namespace":
            flatten(force(c.arg)[1], out)
        else:
            raise EvalError("object content %s" % c.name)
    return out


def schema_at(gitdir, rev):
    w = World(sources_at(gitdir, rev))
    common = w.module("Datamodel_common")
    sch = Schema(force(common.names["schema_major_vsn"]), force(common.names["schema_minor_vsn"]))
    for obj in force(w.module("Datamodel").names["all_system"]):
        obj = force(obj)
        name = field(obj, "name")
        persist = field(obj, "persist").name == "PersistEverything"
        cols = [("_ref", "string", "-", "published", True)]
        for f in flatten(field(obj, "contents"), []):
            ty = force(field(f, "ty"))
            setref = ty.name == "Set" and force(ty.arg).name == "Ref"
            dv = field(f, "default_value")
            if setref:
                default = "=()"
            elif dv.name == "Some":
                default = "=" + protect(to_db(dv.arg))
            else:
                default = "-"
            colname = "__".join(force(x) for x in field(f, "full_name"))
            cols.append((colname, sch.type_text(ty), default, lifecycle_state(f),
                         field(f, "field_persist")))
        cols.sort(key=lambda c: c[0].encode())
        for a, c in zip(cols, cols[1:]):
            if a[0] == c[0]:
                raise EvalError("%s: column %s twice" % (name, a[0]))
        sch.tables.append((name, persist, field(obj, "in_database"), cols))
    sch.tables.sort(key=lambda t: t[0].encode())
    return sch


def schema_lines(sch):
    """The schema as lines, each standing alone (merged across versions later)."""
    lines = []
    for name in sorted(sch.enums, key=lambda n: n.encode()):
        lines.append("enum %s %s" % (name, " ".join(sch.enums[name])))
    for name, persist, in_db, cols in sch.tables:
        lines.append("table %s %s" % (name, "persist" if persist else "nopersist"))
        for col, ty, default, state, fpersist in cols:
            lines.append("column %s %s %s %s %s%s" % (name, col, ty, default, state,
                                                     "" if fpersist else " nopersist"))
    return lines


def vsn_ranges(vsns, known):
    """Versions as ranges over the known list: 5.760-5.768,5.900."""
    idx = [known.index(v) for v in sorted(vsns, key=lambda v: v[1])]
    out, start = [], idx[0]
    for a, c in zip(idx, idx[1:] + [None]):
        if c != a + 1:
            s, e = known[start], known[a]
            out.append("%d.%d" % s if s == e else "%d.%d-%d.%d" % (s + e))
            start = c
    return ",".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", required=True, help="a clone of xapi-project/xen-api")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "schema",
                                                  "xapi", "xapi.schema"))
    ap.add_argument("revs", nargs="+")
    a = ap.parse_args()

    per_vsn, sources = {}, {}
    for rev in a.revs:
        commit = git(a.git_dir, "rev-parse", rev + "^{commit}").strip()
        try:
            sch = schema_at(a.git_dir, rev)
        except (EvalError, OCamlRaise) as e:
            sys.exit("xapi-schema: %s: %s" % (rev, e))
        vsn = (sch.major, sch.minor)
        lines = schema_lines(sch)
        if vsn in per_vsn and per_vsn[vsn] != lines:
            diff = sorted(set(per_vsn[vsn]) ^ set(lines))[:5]
            sys.exit("xapi-schema: %s and %s both say schema %d.%d but differ: %s" %
                     (sources[vsn][0], rev, sch.major, sch.minor, diff))
        per_vsn[vsn] = lines
        sources.setdefault(vsn, (rev, commit))
        print("%s: schema %d.%d, %d tables, %d columns" %
              (rev, sch.major, sch.minor, len(sch.tables),
               sum(len(t[3]) for t in sch.tables)), file=sys.stderr)

    known = sorted(per_vsn, key=lambda v: v)
    order, holds = [], {}
    for v in known:
        for ln in per_vsn[v]:
            if ln not in holds:
                holds[ln] = []
                order.append(ln)
            holds[ln].append(v)
    # group each line with its table, then by kind; first appearance keeps
    # columns in byte order within a version
    key = {}
    for ln in order:
        w = ln.split(" ")
        key[ln] = (0, w[1].encode(), b"") if w[0] == "enum" else \
            (1, w[1].encode(), b"" if w[0] == "table" else b"\x01" + w[2].encode())
    out = ["# xapi's database schema, as xen-api's datamodel defines it.",
           "# Written by scripts/xapi-schema.py from xapi-project/xen-api; do not edit.",
           "# Format: docs/sif-db-check.1.  A line ending in @VERSIONS holds only for those."]
    for v in known:
        rev, commit = sources[v]
        out.append("version %d.%d %s %s" % (v[0], v[1], rev, commit))
    for ln in sorted(order, key=lambda ln: (key[ln], [x[1] for x in holds[ln]])):
        out.append(ln if len(holds[ln]) == len(known) else
                   "%s @%s" % (ln, vsn_ranges(holds[ln], known)))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(a.out + ".tmp", a.out)
    print("%s: %d versions, %d lines" % (a.out, len(known), len(out)), file=sys.stderr)


if __name__ == "__main__":
    main()
