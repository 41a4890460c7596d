using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "line_count",
                table: "orders",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<decimal>(
                name: "total",
                table: "orders",
                type: "numeric(30,2)",
                precision: 30,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            // Existing orders get their totals from their lines. Not a new version of anything: the
            // history and change triggers stay out of it (the table is locked by the ALTER anyway).
            migrationBuilder.Sql("""
                ALTER TABLE orders DISABLE TRIGGER USER;
                UPDATE orders o SET line_count = s.line_count, total = s.total
                  FROM (SELECT order_id, count(*) AS line_count, sum(quantity * unit_price) AS total
                          FROM order_lines GROUP BY order_id) s
                 WHERE s.order_id = o.id;
                ALTER TABLE orders ENABLE TRIGGER USER;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_orders_last_changed_by_id",
                table: "orders",
                columns: new[] { "last_changed_by", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_line_count_id",
                table: "orders",
                columns: new[] { "line_count", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_total_id",
                table: "orders",
                columns: new[] { "total", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_orders_last_changed_by_id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_line_count_id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_total_id",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "line_count",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "total",
                table: "orders");
        }
    }
}
