using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class BaselineCheckpointFingerprint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CheckpointSha256",
                table: "Experiments",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CheckpointSha256",
                table: "Experiments");
        }
    }
}
