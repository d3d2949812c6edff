using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class RowNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Notes",
                table: "Experiments",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Notes",
                table: "Experiments");
        }
    }
}
