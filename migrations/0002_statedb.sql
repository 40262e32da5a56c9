-- What a xapi state.db holds beyond the classes sif models, so that
-- `sif db export` writes back the file `sif db import` read (lib/statedb_pool.c).
-- Rows of modelled classes (pool, host, SR, VDI, VBD, VM) live in their own
-- tables; statedb_row keeps, for every row of the file, its place, the
-- order and source of its attributes (a shared layout) and the values of the
-- columns no registry field models.
CREATE TABLE statedb_manifest (
	pos INTEGER PRIMARY KEY,        -- order in <manifest>
	key TEXT NOT NULL,
	value TEXT NOT NULL
);
CREATE TABLE statedb_table (
	pos INTEGER PRIMARY KEY,        -- order in the file
	name TEXT NOT NULL UNIQUE
);
-- Attribute names in file order, space separated, each prefixed by where
-- its value is: R the row's ref, M the modelled class's column of that
-- name, X the next value of statedb_row.extra.
CREATE TABLE statedb_layout (
	id INTEGER PRIMARY KEY,
	columns TEXT NOT NULL UNIQUE
);
CREATE TABLE statedb_row (
	tbl INTEGER NOT NULL,           -- statedb_table.pos
	pos INTEGER NOT NULL,           -- order in its table
	ref TEXT NOT NULL,
	layout INTEGER NOT NULL,        -- statedb_layout.id
	extra TEXT NOT NULL,            -- the X values, unprotected, each ended by U+001F
	PRIMARY KEY (tbl, pos)
) WITHOUT ROWID;
CREATE UNIQUE INDEX statedb_row_ref ON statedb_row (tbl, ref);
