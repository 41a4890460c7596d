using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class Customers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "customer_id",
                table: "orders",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "customers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    phone = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    address = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    notes = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    last_changed_by_id = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    last_changed_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    last_changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    last_save_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customers", x => x.id);
                    table.CheckConstraint("ck_customers_version", "version >= 1");
                });

            migrationBuilder.CreateIndex(
                name: "ix_orders_customer_id",
                table: "orders",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_customers_email_id",
                table: "customers",
                columns: new[] { "email", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_email_trgm",
                table: "customers",
                column: "email")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_last_changed_at_id",
                table: "customers",
                columns: new[] { "last_changed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_last_changed_by_id",
                table: "customers",
                columns: new[] { "last_changed_by", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_name_id",
                table: "customers",
                columns: new[] { "name", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_name_trgm",
                table: "customers",
                column: "name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_version_id",
                table: "customers",
                columns: new[] { "version", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_customers_last_save_id",
                table: "customers",
                column: "last_save_id",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_orders_customer",
                table: "orders",
                column: "customer_id",
                principalTable: "customers",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);

            // Customers announce themselves and keep their history like products (the LiveChanges,
            // History and ChangeLog migrations): the notify function learns the customers table (its
            // committed-row check is per table, with static SQL so its plans stay cached), and the
            // history function is the products' one with the kind as the trigger's argument.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    kind text;
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        PERFORM collab_announce('deleted', TG_ARGV[0] || '/' || OLD.id, OLD.version, COALESCE(actor, 'another program'));
                        RETURN NULL;
                    ELSIF TG_OP = 'UPDATE' THEN
                        IF NEW IS NOT DISTINCT FROM OLD THEN
                            -- Nothing changed: no new version to announce.
                            RETURN NULL;
                        END IF;
                        IF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                            actor := NEW.last_changed_by;
                        END IF;
                        kind := 'saved';
                    ELSE
                        actor := COALESCE(actor, NEW.last_changed_by);
                        kind := 'created';
                    END IF;
                    -- At commit, a row changed again later in the same transaction (or deleted) is
                    -- announced by that later event: only what is committed is a version.
                    IF TG_TABLE_NAME = 'products' THEN
                        IF (SELECT t FROM products t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                            RETURN NULL;
                        END IF;
                    ELSIF TG_TABLE_NAME = 'customers' THEN
                        IF (SELECT t FROM customers t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                            RETURN NULL;
                        END IF;
                    ELSIF (SELECT t FROM orders t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                        RETURN NULL;
                    END IF;
                    PERFORM collab_announce(kind, TG_ARGV[0] || '/' || NEW.id, NEW.version, COALESCE(actor, 'another program'));
                    RETURN NULL;
                END $$;

                CREATE CONSTRAINT TRIGGER customers_notify AFTER INSERT OR UPDATE OR DELETE ON customers
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('customer');

                CREATE FUNCTION collab_history_row() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
                        VALUES (TG_ARGV[0] || '/' || OLD.id, OLD.version, to_jsonb(OLD), COALESCE(actor, OLD.last_changed_by), now(), true);
                        RETURN NULL;
                    END IF;
                    IF TG_OP = 'INSERT' THEN
                        actor := COALESCE(actor, NEW.last_changed_by);
                    ELSIF NEW IS NOT DISTINCT FROM OLD THEN
                        RETURN NULL;
                    ELSIF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                        actor := NEW.last_changed_by;
                    END IF;
                    INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
                    VALUES (TG_ARGV[0] || '/' || NEW.id, NEW.version, to_jsonb(NEW), COALESCE(actor, 'another program'), now(), false);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER customers_history AFTER INSERT OR UPDATE OR DELETE ON customers
                    FOR EACH ROW EXECUTE FUNCTION collab_history_row('customer');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER customers_history ON customers;
                DROP FUNCTION collab_history_row();
                DROP TRIGGER customers_notify ON customers;
                CREATE OR REPLACE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    kind text;
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        PERFORM collab_announce('deleted', TG_ARGV[0] || '/' || OLD.id, OLD.version, COALESCE(actor, 'another program'));
                        RETURN NULL;
                    ELSIF TG_OP = 'UPDATE' THEN
                        IF NEW IS NOT DISTINCT FROM OLD THEN
                            -- Nothing changed: no new version to announce.
                            RETURN NULL;
                        END IF;
                        IF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                            actor := NEW.last_changed_by;
                        END IF;
                        kind := 'saved';
                    ELSE
                        actor := COALESCE(actor, NEW.last_changed_by);
                        kind := 'created';
                    END IF;
                    -- At commit, a row changed again later in the same transaction (or deleted) is
                    -- announced by that later event: only what is committed is a version.
                    IF TG_TABLE_NAME = 'products' THEN
                        IF (SELECT t FROM products t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                            RETURN NULL;
                        END IF;
                    ELSIF (SELECT t FROM orders t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                        RETURN NULL;
                    END IF;
                    PERFORM collab_announce(kind, TG_ARGV[0] || '/' || NEW.id, NEW.version, COALESCE(actor, 'another program'));
                    RETURN NULL;
                END $$;
                """);

            migrationBuilder.DropForeignKey(
                name: "fk_orders_customer",
                table: "orders");

            migrationBuilder.DropTable(
                name: "customers");

            migrationBuilder.DropIndex(
                name: "ix_orders_customer_id",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "customer_id",
                table: "orders");
        }
    }
}
