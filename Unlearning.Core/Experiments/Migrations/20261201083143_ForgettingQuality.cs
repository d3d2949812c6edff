using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class ForgettingQuality : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "RetainMia",
                table: "Experiments",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ForgettingQuality",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Dataset = table.Column<string>(type: "TEXT", nullable: false),
                    Architecture = table.Column<string>(type: "TEXT", nullable: false),
                    ForgetSetId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    GroupKey = table.Column<string>(type: "TEXT", nullable: false),
                    Method = table.Column<string>(type: "TEXT", nullable: true),
                    K = table.Column<int>(type: "INTEGER", nullable: false),
                    F = table.Column<double>(type: "REAL", nullable: false),
                    Score = table.Column<double>(type: "REAL", nullable: false),
                    RetainRatio = table.Column<double>(type: "REAL", nullable: false),
                    TestRatio = table.Column<double>(type: "REAL", nullable: false),
                    CeilingF = table.Column<double>(type: "REAL", nullable: true),
                    CeilingK = table.Column<int>(type: "INTEGER", nullable: true),
                    UnlearnedIdsJson = table.Column<string>(type: "TEXT", nullable: false),
                    RetrainedIdsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Seconds = table.Column<double>(type: "REAL", nullable: false),
                    DetailsPath = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ForgettingQuality", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ForgettingQuality_Dataset_Architecture_ForgetSetId",
                table: "ForgettingQuality",
                columns: new[] { "Dataset", "Architecture", "ForgetSetId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ForgettingQuality");

            migrationBuilder.DropColumn(
                name: "RetainMia",
                table: "Experiments");
        }
    }
}
