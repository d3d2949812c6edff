using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class ForgetSets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ForgetSetId",
                table: "Jobs",
                type: "TEXT",
                maxLength: 40,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ForgetSetId",
                table: "Experiments",
                type: "TEXT",
                maxLength: 40,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "ForgetSets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Dataset = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    Class = table.Column<int>(type: "INTEGER", nullable: true),
                    Count = table.Column<int>(type: "INTEGER", nullable: true),
                    Percent = table.Column<double>(type: "REAL", nullable: true),
                    Seed = table.Column<long>(type: "INTEGER", nullable: true),
                    Stratified = table.Column<bool>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Size = table.Column<int>(type: "INTEGER", nullable: false),
                    Indexes = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ForgetSets", x => new { x.Dataset, x.Id });
                });

            // Every existing row forgot a whole class: its forget set is that class (an upload evaluated without one keeps "").
            migrationBuilder.Sql("UPDATE Experiments SET ForgetSetId = 'class-' || ForgetClass WHERE ForgetClass >= 0;");
            migrationBuilder.Sql("UPDATE Jobs SET ForgetSetId = 'class-' || ForgetClass WHERE ForgetClass >= 0;");

            migrationBuilder.CreateIndex(
                name: "IX_Experiments_Dataset_Architecture_ForgetSetId",
                table: "Experiments",
                columns: new[] { "Dataset", "Architecture", "ForgetSetId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ForgetSets");

            migrationBuilder.DropIndex(
                name: "IX_Experiments_Dataset_Architecture_ForgetSetId",
                table: "Experiments");

            migrationBuilder.DropColumn(
                name: "ForgetSetId",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "ForgetSetId",
                table: "Experiments");
        }
    }
}
