"""Every SQL statement of the warehouse, in one place.

Values always travel as parameters (``$name``); identifiers are fixed here and never come from a widget or a file.
"""

# Named migrations, applied in order and recorded in schema_migrations (sqlite-utils style). Never edit an applied one:
# add a new entry instead, so an existing warehouse upgrades in place.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE regions (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
            parent_code VARCHAR, type VARCHAR, alt_codes VARCHAR, status VARCHAR
        );
        CREATE TABLE indicators (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, area VARCHAR, unit VARCHAR, kind VARCHAR NOT NULL,
            numerator VARCHAR, denominator VARCHAR, scale DOUBLE, direction VARCHAR, plan_attribute VARCHAR,
            basis VARCHAR, definition VARCHAR, frequency VARCHAR, ord INTEGER
        );
        -- One row per write (load or revert). Its number is the data version: "as of version V" means
        -- "the warehouse exactly as it stood right after event V".
        CREATE TABLE events (
            version INTEGER PRIMARY KEY, happened_at TIMESTAMP NOT NULL, action VARCHAR NOT NULL,
            load_id INTEGER, who VARCHAR, detail VARCHAR
        );
        CREATE TABLE loads (
            load_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, data_hash VARCHAR NOT NULL,
            sheets VARCHAR, layout VARCHAR, archive_path VARCHAR, loaded_at TIMESTAMP NOT NULL, loaded_by VARCHAR,
            rows_read INTEGER, values_loaded INTEGER, warnings INTEGER, status VARCHAR NOT NULL,
            version INTEGER NOT NULL, reverted_at TIMESTAMP, reverted_by VARCHAR, revert_version INTEGER,
            is_demo BOOLEAN DEFAULT FALSE
        );
        -- Revisions are never updated in place: a later load of the same key supersedes by version.
        CREATE TABLE observations (
            load_id INTEGER NOT NULL, region_code VARCHAR NOT NULL, indicator_code VARCHAR NOT NULL,
            period DATE NOT NULL, value DOUBLE NOT NULL, raw_value VARCHAR, raw_unit VARCHAR,
            sheet VARCHAR, cell VARCHAR
        );
        CREATE TABLE load_messages (
            load_id INTEGER NOT NULL, severity VARCHAR NOT NULL, sheet VARCHAR, row INTEGER, col VARCHAR,
            message VARCHAR NOT NULL
        );
        """,
    ),
    (
        "0002_region_tree",
        """
        -- Closure of the region hierarchy: every (ancestor, descendant-or-self) pair with the descendant's level rank
        -- (1 province … 4 township). Aggregation joins through it instead of walking the tree in Python.
        CREATE TABLE region_tree (
            ancestor_code VARCHAR NOT NULL, code VARCHAR NOT NULL, level_rank INTEGER NOT NULL, is_current BOOLEAN
        );
        """,
    ),
    (
        "0003_boundaries",
        """
        -- One row per imported boundary file. Like a load it is an event: `version` is the data version it made.
        CREATE TABLE boundary_sets (
            set_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, content_hash VARCHAR NOT NULL,
            data_hash VARCHAR NOT NULL, archive_path VARCHAR, level VARCHAR NOT NULL, schematic BOOLEAN NOT NULL,
            features INTEGER NOT NULL, loaded_at TIMESTAMP NOT NULL, loaded_by VARCHAR, version INTEGER NOT NULL,
            is_demo BOOLEAN DEFAULT FALSE
        );
        -- Outlines are never updated in place: the newest set holding a region supplies its boundary.
        -- geometry: GeoJSON geometry text, WGS-84 lon/lat, 5 decimals. schematic: a drawn cell, not a real boundary.
        CREATE TABLE boundaries (
            set_id INTEGER NOT NULL, region_code VARCHAR NOT NULL, level VARCHAR NOT NULL, schematic BOOLEAN NOT NULL,
            geometry VARCHAR NOT NULL
        );
        """,
    ),
    (
        "0004_targets",
        """
        -- Targets, never updated in place: each change (proposed, edited, confirmed, dropped) is a new revision row of
        -- its target_id, made by one event whose number is `version`; the newest revision at a version is the target.
        -- comparator: >= at least, <= at most, = reach/keep at, + add within the year. kind: annual | five_year.
        -- parent_id: the county/city target a township target was split from (目标分解), with the basis used.
        CREATE TABLE targets (
            target_id INTEGER NOT NULL, revision INTEGER NOT NULL, region_code VARCHAR NOT NULL,
            indicator_code VARCHAR NOT NULL, year INTEGER NOT NULL, kind VARCHAR NOT NULL, comparator VARCHAR NOT NULL,
            value DOUBLE NOT NULL, value_min DOUBLE, keep BOOLEAN NOT NULL, plan_attribute VARCHAR, base_value DOUBLE,
            document VARCHAR, sentence VARCHAR, state VARCHAR NOT NULL, parent_id INTEGER, basis VARCHAR,
            changed_by VARCHAR, changed_at TIMESTAMP NOT NULL, version INTEGER NOT NULL, is_demo BOOLEAN DEFAULT FALSE
        );
        """,
    ),
    (
        "0005_users_audit",
        """
        -- Local accounts (issue 8). role: view 查看 | load 填报 | admin 管理. password_hash: kpi.auth.hash_password
        -- (scrypt, salted). Only the state columns (disabled, failed_attempts, locked_until, password_hash on reset,
        -- updated_at) are ever updated; a user is never deleted, only disabled.
        CREATE TABLE users (
            username VARCHAR PRIMARY KEY, display_name VARCHAR, role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT FALSE, failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until TIMESTAMP, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
        );
        -- One row per write (load, revert, target change, boundary import, user change), in the write's own
        -- transaction and with its data version. Append-only: never updated or deleted. before/after: JSON text,
        -- never holding a password hash. "at" is quoted: DuckDB reserves the word.
        CREATE TABLE audit_log (
            version INTEGER, "at" TIMESTAMP NOT NULL, who VARCHAR, action VARCHAR NOT NULL, target VARCHAR,
            before VARCHAR, after VARCHAR
        );
        """,
    ),
]

APPLIED_MIGRATIONS = "SELECT name FROM schema_migrations"
CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
)
RECORD_MIGRATION = "INSERT INTO schema_migrations VALUES ($name, current_timestamp)"

# Reference tables are replaced wholesale from the registered frame `reference_frame` at every write.
REPLACE_REFERENCE = {
    table: (f"DELETE FROM {table}", f"INSERT INTO {table} SELECT * FROM reference_frame")
    for table in ("indicators", "regions", "region_tree")
}

CURRENT_VERSION = "SELECT coalesce(max(version), 0) FROM events"
NEXT_LOAD_ID = "SELECT coalesce(max(load_id), 0) + 1 FROM loads"
INSERT_EVENT = "INSERT INTO events VALUES ($version, $at, $action, $load_id, $who, $detail)"
ACTIVE_LOAD_WITH_DATA = (
    "SELECT load_id, file_name, loaded_at FROM loads WHERE data_hash = $hash AND status = 'active' "
    "ORDER BY load_id LIMIT 1"
)
INSERT_LOAD = """
    INSERT INTO loads (load_id, file_name, content_hash, data_hash, sheets, layout, archive_path, loaded_at, loaded_by,
                       rows_read, values_loaded, warnings, status, version, is_demo)
    VALUES ($load_id, $file_name, $content_hash, $data_hash, $sheets, $layout, $archive_path, $loaded_at, $loaded_by,
            $rows_read, $values_loaded, $warnings, 'active', $version, $is_demo)
"""
INSERT_OBSERVATIONS_FROM_FRAME = "INSERT INTO observations SELECT * FROM incoming_observations"
INSERT_MESSAGE = "INSERT INTO load_messages VALUES (?, ?, ?, ?, ?, ?)"
GET_LOAD = "SELECT * FROM loads WHERE load_id = $load_id"
REVERT_LOAD = """
    UPDATE loads SET status = 'reverted', reverted_at = $at, reverted_by = $who, revert_version = $version
    WHERE load_id = $load_id
"""
LIST_LOADS = """
    SELECT load_id, file_name, sheets, layout, loaded_at, loaded_by, rows_read, values_loaded, warnings, status,
           version, reverted_at, reverted_by, revert_version, content_hash, archive_path, is_demo
    FROM loads ORDER BY load_id DESC LIMIT $limit
"""
LOAD_MESSAGES = "SELECT severity, sheet, row, col, message FROM load_messages WHERE load_id = $load_id ORDER BY row"
VERSION_AT = "SELECT coalesce(max(version), 0) FROM events WHERE happened_at <= $at"
VERSION_OF_LOAD = "SELECT version FROM loads WHERE load_id = $load_id"

# The loads whose values count at data version $version: made at or before it and not reverted by then. The one
# definition of "in force"; every query below builds on it.
ACTIVE_LOADS = """
        SELECT load_id, version FROM loads
        WHERE version <= $version AND (revert_version IS NULL OR revert_version > $version)
"""

# The observations in force at data version $version: from loads made at or before it and not reverted by then,
# the newest load wins for each (region, indicator, period). Every "current value" in the product goes through this.
OBSERVATIONS_AS_OF = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT o.region_code, o.indicator_code, o.period, o.value, o.load_id, o.raw_value, o.raw_unit, o.sheet, o.cell
    FROM observations o JOIN active a USING (load_id)
    QUALIFY row_number() OVER (PARTITION BY o.region_code, o.indicator_code, o.period ORDER BY a.version DESC) = 1
"""

# What the warehouse held as of $version (`etl status`, 指标目录): as-of like every figure, so a snapshot published while
# a page reads never mixes its counts into an older version's page.
STATUS_COUNTS = f"""
    WITH made AS (SELECT load_id FROM loads WHERE version <= $version), active AS ({ACTIVE_LOADS})
    SELECT
        (SELECT count(*) FROM indicators) AS indicators,
        (SELECT count(*) FROM observations JOIN made USING (load_id)) AS observations_all,
        (SELECT count(*) FROM made) AS loads,
        (SELECT count(*) FROM active) AS loads_active,
        $version AS version,
        (SELECT happened_at FROM events WHERE version = $version) AS updated_at,
        (SELECT min(period) FROM observations JOIN made USING (load_id)) AS first_period,
        (SELECT max(period) FROM observations JOIN made USING (load_id)) AS last_period
"""
# Distinct keys with a value in force: a value is in force exactly when some active load holds its key.
COUNT_CURRENT = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT count(*) FROM (
        SELECT DISTINCT region_code, indicator_code, period FROM observations JOIN active USING (load_id)
    )
"""
# What every page's frame shows, as of $version: the version, when it was written, the demo loads in force.
FRESHNESS = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT $version AS version, (SELECT happened_at FROM events WHERE version = $version) AS updated_at,
           (SELECT count(*) FROM loads JOIN active USING (load_id) WHERE is_demo) AS demo_loads
"""
REGIONS_PER_LEVEL = "SELECT level, count(*) AS n FROM regions GROUP BY level"
LIST_INDICATORS = "SELECT * EXCLUDE (ord) FROM indicators ORDER BY ord"

# Values in force for the keys in the registered frame `wanted_keys` (region_code, indicator_code, period): the loader's
# plausibility checks compare an incoming month with the month before. Keys are joined before ranking, so a check costs
# one scan, not a ranking of the whole table.
VALUES_FOR_KEYS = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT o.region_code, o.indicator_code, o.period, o.value, o.load_id
    FROM observations o
    JOIN active a USING (load_id)
    JOIN wanted_keys k ON k.region_code = o.region_code AND k.indicator_code = o.indicator_code AND k.period = o.period
    QUALIFY row_number() OVER (PARTITION BY o.region_code, o.indicator_code, o.period ORDER BY a.version DESC) = 1
"""

# Per reporting unit, the value of each indicator under each target region at the end of each asked period: a flow sums
# its months from January (本年累计), a standard (level) takes the last value set in the $level_years years up to the period
# end, anything else the last value reported inside the period. One query serves many periods (a trend, or a value with
# its comparisons), so a page costs one scan, not one per month. kpi.aggregate adds these up.
# Parameters: $version; $ends and $starts (first day of each period's last and first month, same order); $first,
# $first_other and $last (the earliest month a standard, or anything else, and the latest month any period reads);
# $level_years; $targets (region codes); $codes and $kinds
# (indicator codes and their kinds, same order).
UNIT_VALUES = f"""
    WITH active AS ({ACTIVE_LOADS}),
    kinds AS (SELECT unnest($codes) AS indicator_code, unnest($kinds) AS kind),
    current AS (
        -- Filter before ranking revisions (only these indicators, only units under the targets, only the months a
        -- kind can read: standards look back $level_years years, the rest from $first_other): the window then sorts
        -- only this query's rows, not the whole table.
        SELECT o.region_code, o.indicator_code, k.kind, o.period, o.value, o.load_id
        FROM observations o JOIN active a USING (load_id) JOIN kinds k USING (indicator_code)
        WHERE o.period <= $last
          AND o.period >= CASE k.kind WHEN 'level' THEN $first ELSE $first_other END
          AND o.region_code IN (SELECT code FROM region_tree WHERE ancestor_code IN (SELECT unnest($targets)))
        QUALIFY row_number() OVER (PARTITION BY o.region_code, o.indicator_code, o.period ORDER BY a.version DESC) = 1
    ),
    running AS (
        -- Per unit and month: a flow's running total since January (added in month order, so a figure is the same
        -- number whichever query computed it) with every load behind it; anything else its own value and load.
        SELECT region_code, indicator_code, kind, period,
               CASE WHEN kind = 'flow' THEN sum(value) OVER year_so_far ELSE value END AS value,
               CASE WHEN kind = 'flow' THEN list(load_id) OVER year_so_far ELSE [load_id] END AS load_ids
        FROM current
        WINDOW year_so_far AS (PARTITION BY region_code, indicator_code, year(period) ORDER BY period
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    periods AS (SELECT unnest($ends) AS period_end, unnest($starts) AS period_start),
    probes AS (SELECT * FROM (SELECT DISTINCT region_code, indicator_code, kind FROM running) CROSS JOIN periods)
    -- Each unit's latest month at or before each period end (an ASOF join: one sorted pass, not a range join), kept
    -- only if it lies in what the kind reads: the period itself, January on for a flow, the lookback for a standard.
    SELECT p.period_start, p.period_end, t.ancestor_code, t.level_rank, r.region_code, r.indicator_code, r.value,
           r.period AS last_period, r.load_ids
    FROM probes p
    ASOF JOIN running r
      ON r.region_code = p.region_code AND r.indicator_code = p.indicator_code AND r.period <= p.period_end
    JOIN region_tree t ON t.code = r.region_code
    WHERE r.period >= CASE p.kind WHEN 'flow' THEN make_date(year(p.period_end), 1, 1)
                                  WHEN 'level' THEN make_date(year(p.period_end) - $level_years, 1, 1)
                                  ELSE p.period_start END
      AND t.ancestor_code IN (SELECT unnest($targets))
"""

# The observations in force behind one figure, each with the file, sheet and cell it was read from: a flow's every month
# from January, a stock's or ratio part's last month in the period, a standard's last setting. kpi.provenance keeps the
# deepest level that reported, as kpi.aggregate does. Parameters: $version, $ancestor, $codes and $kinds, $start, $end,
# $year_start, $level_start.
FIGURE_SOURCES = f"""
    WITH active AS ({ACTIVE_LOADS}),
    kinds AS (SELECT unnest($codes) AS indicator_code, unnest($kinds) AS kind),
    current AS (
        SELECT o.region_code, o.indicator_code, o.period, o.value, o.raw_value, o.raw_unit, o.sheet, o.cell, o.load_id
        FROM observations o JOIN active a USING (load_id)
        WHERE o.indicator_code IN (SELECT unnest($codes)) AND o.period BETWEEN $level_start AND $end
          AND o.region_code IN (SELECT code FROM region_tree WHERE ancestor_code = $ancestor)
        QUALIFY row_number() OVER (PARTITION BY o.region_code, o.indicator_code, o.period ORDER BY a.version DESC) = 1
    )
    SELECT c.indicator_code, c.region_code, r.name AS region_name, t.level_rank, c.period, c.value, c.raw_value,
           c.raw_unit, c.sheet, c.cell, c.load_id, l.file_name, l.loaded_at, l.loaded_by, l.version
    FROM current c
    JOIN kinds k USING (indicator_code)
    JOIN region_tree t ON t.code = c.region_code AND t.ancestor_code = $ancestor
    JOIN regions r ON r.code = c.region_code
    JOIN loads l ON l.load_id = c.load_id
    WHERE c.period >= CASE k.kind WHEN 'flow' THEN $year_start WHEN 'level' THEN $level_start ELSE $start END
    QUALIFY k.kind = 'flow'
         OR row_number() OVER (PARTITION BY c.region_code, c.indicator_code ORDER BY c.period DESC) = 1
    ORDER BY c.indicator_code, c.region_code, c.period
"""

# The loads behind a set of figures, for "where this number came from".
LOADS_BY_ID = """
    SELECT load_id, file_name, loaded_at, loaded_by, version, status, is_demo FROM loads
    WHERE load_id IN (SELECT unnest($ids)) ORDER BY load_id DESC
"""

# The latest month holding any value in force: the period a page opens on.
LATEST_PERIOD = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT max(o.period) FROM observations o JOIN active USING (load_id)
"""

# How many current units of each level sit under each target: the denominator of "N of M townships reported".
EXPECTED_UNITS = """
    SELECT ancestor_code AS region_code, level_rank, count(*) AS expected
    FROM region_tree WHERE is_current AND ancestor_code IN (SELECT unnest($targets))
    GROUP BY ALL
"""


# ---- boundaries ----------------------------------------------------------------------------------------------------

NEXT_BOUNDARY_SET_ID = "SELECT coalesce(max(set_id), 0) + 1 FROM boundary_sets"
INSERT_BOUNDARY_SET = """
    INSERT INTO boundary_sets (set_id, file_name, content_hash, data_hash, archive_path, level, schematic, features,
                               loaded_at, loaded_by, version, is_demo)
    VALUES ($set_id, $file_name, $content_hash, $data_hash, $archive_path, $level, $schematic, $features,
            $loaded_at, $loaded_by, $version, $is_demo)
"""
# From the registered frame `incoming_boundaries` (set_id, region_code, level, schematic, geometry).
INSERT_BOUNDARIES_FROM_FRAME = """
    INSERT INTO boundaries SELECT set_id, region_code, level, schematic, geometry FROM incoming_boundaries
"""

# The set supplying each region's boundary at data version $version: the newest set holding the region. Only keys are
# ranked; geometry text is joined afterwards, so the window never sorts outlines.
BOUNDARY_SETS_IN_FORCE = """
        SELECT b.region_code, b.set_id FROM boundaries b JOIN boundary_sets s USING (set_id)
        WHERE s.version <= $version
        QUALIFY row_number() OVER (PARTITION BY b.region_code ORDER BY s.version DESC) = 1
"""

# A set with exactly these outlines ($hash) that still supplies every region it holds: importing it again changes
# nothing.
BOUNDARY_SET_IN_FORCE_WITH_DATA = f"""
    WITH in_force AS ({BOUNDARY_SETS_IN_FORCE})
    SELECT s.set_id, s.file_name, s.loaded_at FROM boundary_sets s
    WHERE s.data_hash = $hash
      AND s.features = (SELECT count(*) FROM in_force f WHERE f.set_id = s.set_id)
    ORDER BY s.set_id DESC LIMIT 1
"""

LIST_BOUNDARY_SETS = f"""
    WITH in_force AS ({BOUNDARY_SETS_IN_FORCE})
    SELECT s.set_id, s.file_name, s.level, s.schematic, s.features,
           (SELECT count(*) FROM in_force f WHERE f.set_id = s.set_id) AS in_force,
           s.loaded_at, s.loaded_by, s.version, s.is_demo, s.archive_path, s.content_hash
    FROM boundary_sets s ORDER BY s.set_id DESC
"""

# A region and its current descendants at the level ranks $ranks (self included when its rank is listed), each with
# the boundary in force at $version if there is one (geometry NULL otherwise): everything one map view draws.
BOUNDARIES_BELOW = f"""
    WITH wanted AS (
        SELECT t.code, t.level_rank, r.name FROM region_tree t JOIN regions r USING (code)
        WHERE t.ancestor_code = $region AND t.is_current AND list_contains($ranks, t.level_rank)
    ),
    in_force AS (
        SELECT * FROM ({BOUNDARY_SETS_IN_FORCE}) WHERE region_code IN (SELECT code FROM wanted)
    )
    SELECT w.code, w.name, w.level_rank, b.schematic, b.geometry
    FROM wanted w
    LEFT JOIN in_force f ON f.region_code = w.code
    LEFT JOIN boundaries b ON b.set_id = f.set_id AND b.region_code = f.region_code
    ORDER BY w.level_rank, w.code
"""
REGION_NAME_LEVEL = "SELECT name, level FROM regions WHERE code = $code"
# A warehouse written before migration 0003 has no boundary tables until its next write.
BOUNDARY_TABLES_PRESENT = "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'boundary_sets'"
COUNT_BOUNDARY_SETS = "SELECT count(*) FROM boundary_sets"


# ---- targets ---------------------------------------------------------------------------------------------------------

# Each target's newest revision at data version $version (every state; callers filter).
TARGETS_AS_OF = """
    SELECT * FROM targets WHERE version <= $version
    QUALIFY row_number() OVER (PARTITION BY target_id ORDER BY revision DESC) = 1
    ORDER BY region_code, year, kind, indicator_code
"""
TARGET_HISTORY = "SELECT * FROM targets WHERE target_id = $target_id ORDER BY revision"
NEXT_TARGET_ID = "SELECT coalesce(max(target_id), 0) + 1 FROM targets"
# From the registered frame `incoming_targets`, in the table's column order.
INSERT_TARGETS_FROM_FRAME = "INSERT INTO targets SELECT * FROM incoming_targets"


# ---- reports ---------------------------------------------------------------------------------------------------------

# What a report made as of data version $version was made from, for its stamp: when that version was made, how many
# loads were in force then, the latest of their load times, and whether any of them is demo data.
REPORT_STAMP = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT (SELECT happened_at FROM events WHERE version = $version) AS version_at,
           count(l.load_id) AS loads, max(l.loaded_at) AS latest_loaded_at,
           coalesce(bool_or(l.is_demo), false) AS demo
    FROM loads l JOIN active USING (load_id)
"""


EVENT_TIME = "SELECT happened_at FROM events WHERE version = $version"

# The newest event up to $version that changed anything a 月报 of a region reads (kpi.report.content.data_version):
# a load or revert holding a value in $scope's subtree dated up to $until, or any other write except a user change
# (targets and boundaries are read whole). A report as of that version says exactly what one as of $version does.
REPORT_DATA_VERSION = """
    SELECT max(v) FROM (
        SELECT CASE WHEN l.revert_version <= $version THEN l.revert_version ELSE l.version END AS v
        FROM loads l
        WHERE l.version <= $version AND l.load_id IN (
            SELECT o.load_id FROM observations o JOIN region_tree t ON t.code = o.region_code
            WHERE t.ancestor_code = $scope AND o.period <= $until)
        UNION ALL
        SELECT version FROM events WHERE version <= $version AND action NOT IN ('load', 'revert', 'users')
    )
"""

# ---- users and audit -------------------------------------------------------------------------------------------------

USER_COLUMNS = ("username, display_name, role, password_hash, disabled, failed_attempts, locked_until, created_at, "
                "updated_at")
GET_USER = f"SELECT {USER_COLUMNS} FROM users WHERE username = $username"
LIST_USERS = f"SELECT {USER_COLUMNS} FROM users ORDER BY username"
INSERT_USER = """
    INSERT INTO users VALUES ($username, $display_name, $role, $password_hash, FALSE, 0, NULL, $at, $at)
"""
SET_USER_DISABLED = "UPDATE users SET disabled = $disabled, updated_at = $at WHERE username = $username"
# A new password also clears the lock-out.
RESET_USER_PASSWORD = """
    UPDATE users SET password_hash = $password_hash, failed_attempts = 0, locked_until = NULL, updated_at = $at
    WHERE username = $username
"""
# Sign-in bookkeeping: the failure counter and the lock, nothing else.
SET_USER_LOGIN_STATE = """
    UPDATE users SET failed_attempts = $failed_attempts, locked_until = $locked_until WHERE username = $username
"""
USERS_TABLE_PRESENT = "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'users'"
# $at NULL: the time of the event that made $version (the write the entry belongs to).
INSERT_AUDIT = """
    INSERT INTO audit_log
    SELECT $version, coalesce($at, (SELECT happened_at FROM events WHERE version = $version), current_timestamp),
           $who, $action, $target, $before, $after
"""
# Newest first in the order written (the table is append-only, so rowid is that order; "at" can come from an
# injected clock).
AUDIT_ENTRIES = """
    SELECT version, "at", who, action, target, before, after FROM audit_log ORDER BY rowid DESC LIMIT $limit
"""

# ---- restore (etl/restore.py) ---------------------------------------------------------------------------------------

EVENT_TIME = "SELECT happened_at FROM events WHERE version = $version"
# A health check reads every block of every table: DuckDB verifies a block's checksum only when it reads it. The table
# name comes from the file's own catalogue (LIST_TABLES), quoted, never from a user.
LIST_TABLES = "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY table_name"
SCAN_TABLE = 'SELECT count(*), bit_xor(hash(r)) FROM (SELECT "{table}" AS r FROM "{table}")'
# A restore replays at restore time; these put back each write's original time from the journal, given a frame
# restored_times(version, original_at) of the replayed versions. They run on the new file before it is published, so
# the audit log stays append-only as far as any reader ever sees. users has no version: its times are matched to the
# time of the event that set them, so it goes before events. One UPDATE per table (DuckDB rewrites an update of an
# indexed table as delete + insert, and a second update of the same row in one transaction can trip the key).
RESTORE_TIMES = [
    """
    UPDATE users SET
        created_at = coalesce((SELECT max(t.original_at) FROM events e JOIN restored_times t USING (version)
                               WHERE e.happened_at = users.created_at), created_at),
        updated_at = coalesce((SELECT max(t.original_at) FROM events e JOIN restored_times t USING (version)
                               WHERE e.happened_at = users.updated_at), updated_at)
    """,
    """
    UPDATE loads SET
        loaded_at = coalesce((SELECT max(t.original_at) FROM restored_times t WHERE t.version = loads.version),
                             loaded_at),
        reverted_at = CASE WHEN revert_version IS NULL THEN reverted_at ELSE coalesce(
            (SELECT max(t.original_at) FROM restored_times t WHERE t.version = loads.revert_version), reverted_at) END
    """,
    "UPDATE targets SET changed_at = t.original_at FROM restored_times t WHERE targets.version = t.version",
    "UPDATE boundary_sets SET loaded_at = t.original_at FROM restored_times t WHERE boundary_sets.version = t.version",
    'UPDATE audit_log SET "at" = t.original_at FROM restored_times t WHERE audit_log.version = t.version',
    "UPDATE events SET happened_at = t.original_at FROM restored_times t WHERE events.version = t.version",
]
