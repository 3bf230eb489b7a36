"""The load generator behind `manage.py generate_load` (bench data).

Territories, organisations (one per kind and territory), team leads, orientation officers,
referents with caseloads of 40-120, beneficiaries (some with barriers), pathways in every
state with their deadlines (open ones, and met/cancelled history), contacts, transition
history, referent periods, and the alerts earlier daily sweeps would already have created.

The data is a steady state seen on `--today` (default: the last working day): every open
deadline's alert days before `today` already have their alert; the alert days falling on
`today` have none, and about `--due-share` (1%) of open deadlines have one — they are what
the next sweep must create. Later days carry the next days' work (the benchmark sweeps at
a later day to get 10x as many due deadlines).

Load generation writes rows directly (state included): it is not the transition service.
On PostgreSQL rows go through COPY (psycopg 3 `cursor.copy`) in chunks, with foreign-key
triggers disabled (`session_replication_role = replica`) when the role may do so — the
rows are consistent by construction — and the tables are vacuumed and analysed at the end.
Elsewhere (SQLite, the tiny test runs) it falls back to batched `executemany`.
"""
