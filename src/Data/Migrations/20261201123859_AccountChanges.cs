using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <summary>
    /// Announces account changes on the change feed (<c>accountChanged</c>, key <c>user/{id}</c>): a new
    /// security stamp, lockout, display name or user name, a role granted or taken away, a deleted user.
    /// A trigger, so whoever changes the user (the Users page, the CLI, SQL by hand) every instance hears
    /// it and re-checks that user's sessions within the NOTIFY latency. Position 0: not kept in the
    /// change log (a listener that reconnects forgets every cached account instead).
    /// </summary>
    public partial class AccountChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION collab_notify_account() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    user_id text;
                BEGIN
                    IF TG_TABLE_NAME = 'AspNetUsers' THEN
                        IF TG_OP = 'UPDATE'
                            AND NEW."SecurityStamp" IS NOT DISTINCT FROM OLD."SecurityStamp"
                            AND NEW."LockoutEnabled" IS NOT DISTINCT FROM OLD."LockoutEnabled"
                            AND NEW."LockoutEnd" IS NOT DISTINCT FROM OLD."LockoutEnd"
                            AND NEW."DisplayName" IS NOT DISTINCT FROM OLD."DisplayName"
                            AND NEW."UserName" IS NOT DISTINCT FROM OLD."UserName" THEN
                            -- A failed-attempt counter or a concurrency stamp: nothing a session depends on.
                            RETURN NULL;
                        END IF;
                        user_id := COALESCE(NEW."Id", OLD."Id");
                    ELSE
                        user_id := COALESCE(NEW."UserId", OLD."UserId");
                    END IF;
                    -- Sent at commit; the same payload twice in one transaction is sent once.
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', 'accountChanged', 'key', 'user/' || user_id, 'version', 0, 'actor', NULL, 'position', 0,
                        'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER collab_account_changed AFTER UPDATE OR DELETE ON "AspNetUsers"
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_account();
                CREATE TRIGGER collab_account_roles_changed AFTER INSERT OR UPDATE OR DELETE ON "AspNetUserRoles"
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_account();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER collab_account_roles_changed ON "AspNetUserRoles";
                DROP TRIGGER collab_account_changed ON "AspNetUsers";
                DROP FUNCTION collab_notify_account();
                """);
        }
    }
}
