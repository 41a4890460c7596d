using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class FieldPresence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "changed_at",
                table: "presence",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "changing",
                table: "presence",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "field",
                table: "presence",
                type: "text",
                nullable: true);

            // A page moving its cursor, or changing what it has unsaved, tells the others, with the
            // same payload as an insert or delete (collab_notify_presence takes NEW on update). A
            // refreshed last edit is announced too: a page whose lock had gone idle locks again when its
            // user types on. A heartbeat (seen_at only) stays silent.
            migrationBuilder.Sql("""
                CREATE TRIGGER presence_notify_update AFTER UPDATE ON presence
                    FOR EACH ROW
                    WHEN (OLD.field IS DISTINCT FROM NEW.field
                          OR OLD.changing IS DISTINCT FROM NEW.changing
                          OR OLD.changed_at IS DISTINCT FROM NEW.changed_at)
                    EXECUTE FUNCTION collab_notify_presence();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS presence_notify_update ON presence;");

            migrationBuilder.DropColumn(
                name: "changed_at",
                table: "presence");

            migrationBuilder.DropColumn(
                name: "changing",
                table: "presence");

            migrationBuilder.DropColumn(
                name: "field",
                table: "presence");
        }
    }
}
