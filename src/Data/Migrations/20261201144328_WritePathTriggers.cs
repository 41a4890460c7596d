using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <summary>
    /// The commit-order critical section made as short as it can be: the announcement's payload (all
    /// but its position and time) is built before the lock is taken, the position is taken by the
    /// change_log insert itself, and the payload is finished from what that insert returned. What must
    /// be ordered — the lock, the position, the time the pruner goes by, the row, the NOTIFY — stays
    /// inside, in the writing transaction, at commit (the ChangeLog migration's reasoning holds as it was).
    /// </summary>
    public partial class WritePathTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // "at" stays under the lock: change_log is pruned by it, so it must grow with the position.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION collab_announce(kind text, resource_key text, version bigint, actor text) RETURNS void
                LANGUAGE plpgsql AS $$
                DECLARE
                    -- Built before the lock: the payload without its closing brace.
                    head text := left(json_build_object('kind', kind, 'key', resource_key, 'version', version, 'actor', actor)::text, -1);
                    p bigint;
                    t timestamp with time zone;
                BEGIN
                    -- 0x436f6c6c ('Coll'), 1: this app's one commit-order lock, held until the commit is visible.
                    PERFORM pg_advisory_xact_lock(1131375724, 1);
                    INSERT INTO change_log (position, kind, resource_key, version, actor, at)
                    VALUES (nextval('change_position'), kind, resource_key, version, actor, clock_timestamp())
                    RETURNING change_log.position, change_log.at INTO p, t;
                    PERFORM pg_notify('collab_changes', head || ', "position" : ' || p || ', "at" : ' || floor(extract(epoch FROM t) * 1000)::bigint || '}');
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION collab_announce(kind text, resource_key text, version bigint, actor text) RETURNS void
                LANGUAGE plpgsql AS $$
                DECLARE
                    p bigint;
                BEGIN
                    -- 0x436f6c6c ('Coll'), 1: this app's one commit-order lock.
                    PERFORM pg_advisory_xact_lock(1131375724, 1);
                    p := nextval('change_position');
                    INSERT INTO change_log (position, kind, resource_key, version, actor, at)
                    VALUES (p, kind, resource_key, version, actor, clock_timestamp());
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind,
                        'key', resource_key,
                        'version', version,
                        'actor', actor,
                        'position', p,
                        'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
                END $$;
                """);
        }
    }
}
