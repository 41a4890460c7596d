using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class Hardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "last_save_id",
                table: "products",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "last_save_id",
                table: "orders",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "drafts",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    resource_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    base_version = table.Column<int>(type: "integer", nullable: false),
                    data = table.Column<string>(type: "jsonb", nullable: false),
                    saved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_drafts", x => new { x.user_id, x.resource_key });
                });
            // Change events carry the database time they were raised at (ms since epoch), so each
            // instance can report how long events take to reach it (the live-event lag metric).
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
                        IF actor IS NULL AND (TG_OP = 'INSERT' OR (r ->> 'last_changed_at') IS DISTINCT FROM (to_jsonb(OLD) ->> 'last_changed_at')) THEN
                            actor := r ->> 'last_changed_by';
                        END IF;
                    END IF;
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind,
                        'key', TG_ARGV[0] || '/' || (r ->> 'id'),
                        'version', COALESCE((r ->> 'version')::bigint, 0),
                        'actor', COALESCE(actor, 'another program'),
                        'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
                    RETURN NULL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "drafts");

            migrationBuilder.DropColumn(
                name: "last_save_id",
                table: "products");

            migrationBuilder.DropColumn(
                name: "last_save_id",
                table: "orders");
        }
    }
}
