using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class ListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateIndex(
                name: "ix_products_last_changed_at_id",
                table: "products",
                columns: new[] { "last_changed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_products_last_changed_by_id",
                table: "products",
                columns: new[] { "last_changed_by", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_products_name_trgm",
                table: "products",
                column: "name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_products_price_id",
                table: "products",
                columns: new[] { "price", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_products_sku_trgm",
                table: "products",
                column: "sku")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_products_stock_id",
                table: "products",
                columns: new[] { "stock", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_products_version_id",
                table: "products",
                columns: new[] { "version", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_customer_name_id",
                table: "orders",
                columns: new[] { "customer_name", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_customer_name_trgm",
                table: "orders",
                column: "customer_name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_last_changed_at_id",
                table: "orders",
                columns: new[] { "last_changed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_number_trgm",
                table: "orders",
                column: "number")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_status_id",
                table: "orders",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_version_id",
                table: "orders",
                columns: new[] { "version", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_products_last_changed_at_id",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_last_changed_by_id",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_name_trgm",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_price_id",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_sku_trgm",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_stock_id",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_products_version_id",
                table: "products");

            migrationBuilder.DropIndex(
                name: "ix_orders_customer_name_id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_customer_name_trgm",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_last_changed_at_id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_number_trgm",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_status_id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_version_id",
                table: "orders");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
