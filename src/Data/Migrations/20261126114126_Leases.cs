using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class Leases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateSequence(
                name: "lease_fencing");

            migrationBuilder.CreateTable(
                name: "lease_audit",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    resource_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    action = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    user_id = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    user_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    holder_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    fencing = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lease_audit", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    resource_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    holder_user_id = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    holder_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    holder_session = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    token = table.Column<Guid>(type: "uuid", nullable: false),
                    fencing = table.Column<long>(type: "bigint", nullable: false),
                    acquired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    renewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_leases", x => x.resource_key);
                });

            migrationBuilder.CreateIndex(
                name: "ix_lease_audit_at",
                table: "lease_audit",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_lease_audit_resource_at",
                table: "lease_audit",
                columns: new[] { "resource_key", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_leases_expires_at",
                table: "leases",
                column: "expires_at");
            // Lease changes announce themselves like record changes: granted (insert, or a takeover
            // with a new token), renewed, and on delete released / expired / force-released. Version
            // carries the fencing number. A force-release sets collab.lease_reason and collab.actor.
            migrationBuilder.Sql("""
                CREATE FUNCTION collab_notify_lease() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r leases := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                    kind text;
                    actor text := r.holder_name;
                BEGIN
                    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.token <> OLD.token) THEN
                        kind := 'leaseGranted';
                    ELSIF TG_OP = 'UPDATE' THEN
                        kind := 'leaseRenewed';
                    ELSIF OLD.expires_at <= now() THEN
                        kind := 'leaseExpired';
                    ELSIF current_setting('collab.lease_reason', true) = 'force-released' THEN
                        kind := 'leaseForceReleased';
                        actor := COALESCE(NULLIF(current_setting('collab.actor', true), ''), 'an administrator');
                    ELSE
                        kind := 'leaseReleased';
                    END IF;
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind, 'key', r.resource_key, 'version', r.fencing, 'actor', actor)::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER leases_notify AFTER INSERT OR UPDATE OR DELETE ON leases
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_lease();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS leases_notify ON leases;
                DROP FUNCTION IF EXISTS collab_notify_lease();
                """);
            migrationBuilder.DropTable(
                name: "lease_audit");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.DropSequence(
                name: "lease_fencing");
        }
    }
}
