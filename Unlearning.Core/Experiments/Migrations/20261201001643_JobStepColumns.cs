using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class JobStepColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Step",
                table: "Jobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<double>(
                name: "StepProgress",
                table: "Jobs",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Step",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "StepProgress",
                table: "Jobs");
        }
    }
}
