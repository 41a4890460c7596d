using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class LiveChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "text", nullable: true),
                    Xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "presence",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    resource_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    user_id = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    display_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_presence", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_presence_resource_key",
                table: "presence",
                column: "resource_key");
            // Every committed write announces itself in its own transaction (NOTIFY is delivered on
            // commit only), whoever makes it: the app, the API, or psql. Payloads stay tiny.
            migrationBuilder.Sql("""
                CREATE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r jsonb;
                    kind text;
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        r := to_jsonb(OLD);
                        kind := 'deleted';
                    ELSE
                        r := to_jsonb(NEW);
                        kind := CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'saved' END;
                        -- The app stamps who and when with each write; a write from outside the app does not.
                        IF actor IS NULL AND (TG_OP = 'INSERT' OR (r ->> 'last_changed_at') IS DISTINCT FROM (to_jsonb(OLD) ->> 'last_changed_at')) THEN
                            actor := r ->> 'last_changed_by';
                        END IF;
                    END IF;
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind,
                        'key', TG_ARGV[0] || '/' || (r ->> 'id'),
                        'version', COALESCE((r ->> 'version')::bigint, 0),
                        'actor', COALESCE(actor, 'another program'))::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('product');

                CREATE FUNCTION collab_notify_presence() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r presence := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                BEGIN
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', 'presence', 'key', r.resource_key, 'version', 0, 'actor', r.display_name)::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER presence_notify AFTER INSERT OR DELETE ON presence
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_presence();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS presence_notify ON presence;
                DROP FUNCTION IF EXISTS collab_notify_presence();
                DROP TRIGGER IF EXISTS products_notify ON products;
                DROP FUNCTION IF EXISTS collab_notify_change();
                """);
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropTable(
                name: "presence");
        }
    }
}
