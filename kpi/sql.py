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

STATUS_COUNTS = """
    SELECT
        (SELECT count(*) FROM indicators) AS indicators,
        (SELECT count(*) FROM observations) AS observations_all,
        (SELECT count(*) FROM loads) AS loads,
        (SELECT count(*) FROM loads WHERE status = 'active') AS loads_active,
        (SELECT coalesce(max(version), 0) FROM events) AS version,
        (SELECT max(happened_at) FROM events) AS updated_at,
        (SELECT min(period) FROM observations) AS first_period,
        (SELECT max(period) FROM observations) AS last_period
"""
# Distinct keys with a value in force: a value is in force exactly when some active load holds its key.
COUNT_CURRENT = f"""
    WITH active AS ({ACTIVE_LOADS})
    SELECT count(*) FROM (
        SELECT DISTINCT region_code, indicator_code, period FROM observations JOIN active USING (load_id)
    )
"""
# What every page's frame shows: the version, when data last changed (a load or a revert), active demo loads.
FRESHNESS = """
    SELECT coalesce(max(version), 0) AS version, max(happened_at) AS updated_at,
           (SELECT count(*) FROM loads WHERE is_demo AND status = 'active') AS demo_loads
    FROM events
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

# Per reporting unit, the value of each indicator under each target region for one period: a flow sums its months from
# January (本年累计), a standard (level) the last value set up to the period end, anything else the last value reported
# inside the period. kpi.aggregate adds these up.
# Parameters: $version, $level_start, $year_start, $start, $end, $targets (region codes), $codes and $kinds (indicator codes and their
# kinds, same order).
UNIT_VALUES = f"""
    WITH active AS ({ACTIVE_LOADS}),
    current AS (
        -- Filter before ranking revisions: the window then sorts only this query's rows, not the whole table.
        SELECT o.region_code, o.indicator_code, o.period, o.value, o.load_id
        FROM observations o JOIN active a USING (load_id)
        WHERE o.indicator_code IN (SELECT unnest($codes)) AND o.period BETWEEN $level_start AND $end
        QUALIFY row_number() OVER (PARTITION BY o.region_code, o.indicator_code, o.period ORDER BY a.version DESC) = 1
    ),
    kinds AS (SELECT unnest($codes) AS indicator_code, unnest($kinds) AS kind)
    SELECT t.ancestor_code, t.level_rank, c.region_code, c.indicator_code,
           CASE WHEN any_value(k.kind) = 'flow' THEN sum(c.value) ELSE arg_max(c.value, c.period) END AS value,
           max(c.period) AS last_period, arg_max(c.load_id, c.period) AS load_id, count(*) AS months
    FROM current c
    JOIN kinds k USING (indicator_code)
    JOIN region_tree t ON t.code = c.region_code
    WHERE c.period <= $end
      AND c.period >= CASE k.kind WHEN 'flow' THEN $year_start WHEN 'level' THEN $level_start ELSE $start END
      AND t.ancestor_code IN (SELECT unnest($targets))
    GROUP BY ALL
"""

# How many current units of each level sit under each target: the denominator of "N of M townships reported".
EXPECTED_UNITS = """
    SELECT ancestor_code AS region_code, level_rank, count(*) AS expected
    FROM region_tree WHERE is_current AND ancestor_code IN (SELECT unnest($targets))
    GROUP BY ALL
"""
