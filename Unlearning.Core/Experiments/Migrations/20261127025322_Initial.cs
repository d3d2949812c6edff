using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Experiments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Dataset = table.Column<string>(type: "TEXT", nullable: false),
                    Architecture = table.Column<string>(type: "TEXT", nullable: false),
                    ForgetClass = table.Column<int>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    BaseId = table.Column<string>(type: "TEXT", nullable: true),
                    Method = table.Column<string>(type: "TEXT", nullable: true),
                    HyperparametersJson = table.Column<string>(type: "TEXT", nullable: false),
                    Epochs = table.Column<int>(type: "INTEGER", nullable: true),
                    BatchSize = table.Column<int>(type: "INTEGER", nullable: true),
                    LearningRate = table.Column<double>(type: "REAL", nullable: true),
                    Seed = table.Column<long>(type: "INTEGER", nullable: true),
                    UA = table.Column<double>(type: "REAL", nullable: true),
                    RA = table.Column<double>(type: "REAL", nullable: true),
                    TUA = table.Column<double>(type: "REAL", nullable: true),
                    TRA = table.Column<double>(type: "REAL", nullable: true),
                    RT = table.Column<double>(type: "REAL", nullable: true),
                    PS = table.Column<double>(type: "REAL", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    StageTimesJson = table.Column<string>(type: "TEXT", nullable: false),
                    CheckpointPath = table.Column<string>(type: "TEXT", nullable: true),
                    ResultsPath = table.Column<string>(type: "TEXT", nullable: true),
                    JobId = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Experiments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Jobs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    Dataset = table.Column<string>(type: "TEXT", nullable: false),
                    Architecture = table.Column<string>(type: "TEXT", nullable: false),
                    ForgetClass = table.Column<int>(type: "INTEGER", nullable: false),
                    Method = table.Column<string>(type: "TEXT", nullable: true),
                    BaseExperimentId = table.Column<string>(type: "TEXT", nullable: true),
                    HyperparametersJson = table.Column<string>(type: "TEXT", nullable: false),
                    Seed = table.Column<long>(type: "INTEGER", nullable: false),
                    UploadPath = table.Column<string>(type: "TEXT", nullable: true),
                    GroupId = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    Stage = table.Column<string>(type: "TEXT", nullable: false),
                    Progress = table.Column<double>(type: "REAL", nullable: false),
                    Epoch = table.Column<int>(type: "INTEGER", nullable: true),
                    TotalEpochs = table.Column<int>(type: "INTEGER", nullable: true),
                    EtaSeconds = table.Column<double>(type: "REAL", nullable: true),
                    ForgetAccuracy = table.Column<double>(type: "REAL", nullable: true),
                    RetainAccuracy = table.Column<double>(type: "REAL", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    ResultExperimentId = table.Column<string>(type: "TEXT", nullable: true),
                    ReservedExperimentId = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FinishedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Device = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Jobs", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Experiments_Dataset_Architecture_ForgetClass",
                table: "Experiments",
                columns: new[] { "Dataset", "Architecture", "ForgetClass" });

            migrationBuilder.CreateIndex(
                name: "IX_Jobs_Status",
                table: "Jobs",
                column: "Status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Experiments");

            migrationBuilder.DropTable(
                name: "Jobs");
        }
    }
}
