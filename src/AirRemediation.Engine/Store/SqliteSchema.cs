namespace AirRemediation.Engine.Store;

/// <summary>The SQLite schema, versioned with <c>PRAGMA user_version</c>.</summary>
internal static class SqliteSchema
{
    /// <summary>2: verified identities (<c>proposer_id</c>, <c>approver_id</c>, <c>audit.actor_id</c>) and the pins of audit format 2.</summary>
    public const int Version = 2;

    public const string Create = """
        CREATE TABLE actions (
            id                TEXT    NOT NULL PRIMARY KEY,
            kind              TEXT    NOT NULL,
            state             TEXT    NOT NULL,
            created_at        INTEGER NOT NULL,   -- UTC ticks
            updated_at        INTEGER NOT NULL,
            proposed_by       TEXT    NOT NULL,
            approved_by       TEXT,
            decided_at        INTEGER,
            expires_at        INTEGER,
            investigation_id  TEXT,
            evidence_key      TEXT,
            dedupe_key        TEXT,
            parameters_json   TEXT    NOT NULL,
            summary           TEXT,
            related_action_id TEXT,
            proposer_id       TEXT,
            approver_id       TEXT,
            c_planned         INTEGER NOT NULL DEFAULT 0,
            c_in_progress     INTEGER NOT NULL DEFAULT 0,
            c_done            INTEGER NOT NULL DEFAULT 0,
            c_already         INTEGER NOT NULL DEFAULT 0,
            c_failed          INTEGER NOT NULL DEFAULT 0,
            c_skipped         INTEGER NOT NULL DEFAULT 0,
            lease_owner       TEXT,
            lease_expires_at  INTEGER,
            version           INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX ux_actions_evidence ON actions(evidence_key) WHERE evidence_key IS NOT NULL;
        CREATE INDEX ix_actions_dedupe ON actions(dedupe_key, created_at) WHERE dedupe_key IS NOT NULL;
        CREATE INDEX ix_actions_created ON actions(created_at, id);
        CREATE INDEX ix_actions_state ON actions(state, created_at);
        CREATE INDEX ix_actions_investigation ON actions(investigation_id) WHERE investigation_id IS NOT NULL;
        CREATE INDEX ix_actions_related ON actions(related_action_id) WHERE related_action_id IS NOT NULL;

        CREATE TABLE items (
            action_id   TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            key         TEXT    NOT NULL,
            target      TEXT,
            state       TEXT    NOT NULL,
            reason      TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            data_json   TEXT,
            before_json TEXT,
            after_json  TEXT,
            updated_at  INTEGER NOT NULL,
            PRIMARY KEY (action_id, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX ux_items_key ON items(action_id, key);
        CREATE INDEX ix_items_state ON items(action_id, state, seq);

        CREATE TABLE audit (
            seq         INTEGER NOT NULL PRIMARY KEY,
            action_id   TEXT,
            at          TEXT    NOT NULL,         -- AuditChain.TimeFormat, exactly as hashed
            actor       TEXT    NOT NULL,
            actor_kind  TEXT    NOT NULL,
            sign_in     TEXT,
            event       TEXT    NOT NULL,
            from_state  TEXT,
            to_state    TEXT,
            reason      TEXT,
            prev_hash   TEXT    NOT NULL,
            hash        TEXT    NOT NULL,
            format      INTEGER NOT NULL DEFAULT 1,
            actor_id    TEXT,
            pin         TEXT,
            items_pin   TEXT
        );
        CREATE INDEX ix_audit_action ON audit(action_id, seq) WHERE action_id IS NOT NULL;

        CREATE TABLE settings (
            key        TEXT    NOT NULL PRIMARY KEY,
            value      TEXT    NOT NULL,
            updated_at INTEGER NOT NULL,
            updated_by TEXT    NOT NULL
        );
        """;

    /// <summary>Version 1 → 2: new columns only (nullable, or defaulting to format 1), so every existing row reads and verifies as before.</summary>
    public const string MigrateFrom1 = """
        ALTER TABLE actions ADD COLUMN proposer_id TEXT;
        ALTER TABLE actions ADD COLUMN approver_id TEXT;
        ALTER TABLE audit ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE audit ADD COLUMN actor_id TEXT;
        ALTER TABLE audit ADD COLUMN pin TEXT;
        ALTER TABLE audit ADD COLUMN items_pin TEXT;
        PRAGMA user_version=2;
        """;
}
