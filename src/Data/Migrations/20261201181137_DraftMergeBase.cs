using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <inheritdoc />
    public partial class DraftMergeBase : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "merge_base",
                table: "drafts",
                type: "jsonb",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "merge_base",
                table: "drafts");
        }
    }
}
