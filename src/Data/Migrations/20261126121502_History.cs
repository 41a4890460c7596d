using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class History : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "record_history",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    resource_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    data = table.Column<string>(type: "jsonb", nullable: false),
                    changed_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    deleted = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_record_history", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_record_history_resource_id",
                table: "record_history",
                columns: new[] { "resource_key", "id" });
            // Every committed version is kept, whoever writes (the app, the API, psql), by triggers in
            // the writing transaction: a rolled-back write leaves no history. The app stamps who and when
            // with each write; a write from outside the app that does not is "another program", as in
            // the change notifications. A deletion names the deleter (collab.actor, set by the stores).
            migrationBuilder.Sql("""
                CREATE FUNCTION collab_history_product() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
                        VALUES ('product/' || OLD.id, OLD.version, to_jsonb(OLD), COALESCE(actor, OLD.last_changed_by), now(), true);
                        RETURN NULL;
                    END IF;
                    IF TG_OP = 'INSERT' THEN
                        actor := COALESCE(actor, NEW.last_changed_by);
                    ELSIF NEW IS NOT DISTINCT FROM OLD THEN
                        -- Nothing changed: there is no new version to keep.
                        RETURN NULL;
                    ELSIF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                        actor := NEW.last_changed_by;
                    END IF;
                    INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
                    VALUES ('product/' || NEW.id, NEW.version, to_jsonb(NEW), COALESCE(actor, 'another program'), now(), false);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER products_history AFTER INSERT OR UPDATE OR DELETE ON products
                    FOR EACH ROW EXECUTE FUNCTION collab_history_product();

                -- An order's version includes its lines, which are written after the order row in the same
                -- transaction: the insert/update trigger is deferred to commit so it sees them. A deletion is
                -- recorded before the row goes, while its lines (deleted by cascade) are still there.
                CREATE FUNCTION collab_history_order() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                    r orders := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        actor := COALESCE(actor, NEW.last_changed_by);
                    ELSIF TG_OP = 'UPDATE' THEN
                        IF NEW IS NOT DISTINCT FROM OLD THEN
                            RETURN NULL;
                        ELSIF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                            actor := NEW.last_changed_by;
                        END IF;
                    ELSE
                        actor := COALESCE(actor, OLD.last_changed_by);
                    END IF;
                    -- At commit, a row changed again later in the same transaction is recorded by that
                    -- later event: only what was committed is a version.
                    IF TG_OP <> 'DELETE' THEN
                        IF (SELECT o FROM orders o WHERE o.id = r.id) IS DISTINCT FROM r THEN
                            RETURN NULL;
                        END IF;
                    END IF;
                    INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
                    VALUES ('order/' || r.id, r.version,
                            to_jsonb(r) || jsonb_build_object('lines', (
                                SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.position), '[]'::jsonb)
                                  FROM order_lines l WHERE l.order_id = r.id)),
                            COALESCE(actor, 'another program'), now(), TG_OP = 'DELETE');
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
                END $$;

                CREATE CONSTRAINT TRIGGER orders_history AFTER INSERT OR UPDATE ON orders
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION collab_history_order();

                CREATE TRIGGER orders_history_delete BEFORE DELETE ON orders
                    FOR EACH ROW EXECUTE FUNCTION collab_history_order();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS orders_history_delete ON orders;
                DROP TRIGGER IF EXISTS orders_history ON orders;
                DROP FUNCTION IF EXISTS collab_history_order();
                DROP TRIGGER IF EXISTS products_history ON products;
                DROP FUNCTION IF EXISTS collab_history_product();
                """);
            migrationBuilder.DropTable(
                name: "record_history");
        }
    }
}
