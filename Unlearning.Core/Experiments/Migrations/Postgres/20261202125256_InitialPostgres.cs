using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialPostgres : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Experiments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: false),
                    Dataset = table.Column<string>(type: "text", nullable: false),
                    Architecture = table.Column<string>(type: "text", nullable: false),
                    ForgetClass = table.Column<int>(type: "integer", nullable: false),
                    ForgetSetId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Type = table.Column<string>(type: "text", nullable: false),
                    BaseId = table.Column<string>(type: "text", nullable: true),
                    Method = table.Column<string>(type: "text", nullable: true),
                    HyperparametersJson = table.Column<string>(type: "text", nullable: false),
                    Epochs = table.Column<int>(type: "integer", nullable: true),
                    BatchSize = table.Column<int>(type: "integer", nullable: true),
                    LearningRate = table.Column<double>(type: "double precision", nullable: true),
                    Seed = table.Column<long>(type: "bigint", nullable: true),
                    UA = table.Column<double>(type: "double precision", nullable: true),
                    RA = table.Column<double>(type: "double precision", nullable: true),
                    TUA = table.Column<double>(type: "double precision", nullable: true),
                    TRA = table.Column<double>(type: "double precision", nullable: true),
                    RT = table.Column<double>(type: "double precision", nullable: true),
                    PS = table.Column<double>(type: "double precision", nullable: true),
                    MIA = table.Column<double>(type: "double precision", nullable: true),
                    RetainMia = table.Column<double>(type: "double precision", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    StageTimesJson = table.Column<string>(type: "text", nullable: false),
                    CheckpointPath = table.Column<string>(type: "text", nullable: true),
                    CheckpointSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ReferenceOriginalSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ReferenceRetrainedSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ResultsPath = table.Column<string>(type: "text", nullable: true),
                    JobId = table.Column<long>(type: "bigint", nullable: true),
                    Notes = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Owner = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Experiments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ForgetSets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Dataset = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    Class = table.Column<int>(type: "integer", nullable: true),
                    Count = table.Column<int>(type: "integer", nullable: true),
                    Percent = table.Column<double>(type: "double precision", nullable: true),
                    Seed = table.Column<long>(type: "bigint", nullable: true),
                    Stratified = table.Column<bool>(type: "boolean", nullable: false),
                    Name = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    Size = table.Column<int>(type: "integer", nullable: false),
                    Indexes = table.Column<string>(type: "text", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ForgetSets", x => new { x.Dataset, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "ForgettingQuality",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Dataset = table.Column<string>(type: "text", nullable: false),
                    Architecture = table.Column<string>(type: "text", nullable: false),
                    ForgetSetId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    GroupKey = table.Column<string>(type: "text", nullable: false),
                    Method = table.Column<string>(type: "text", nullable: true),
                    K = table.Column<int>(type: "integer", nullable: false),
                    F = table.Column<double>(type: "double precision", nullable: false),
                    Score = table.Column<double>(type: "double precision", nullable: false),
                    RetainRatio = table.Column<double>(type: "double precision", nullable: false),
                    TestRatio = table.Column<double>(type: "double precision", nullable: false),
                    CeilingF = table.Column<double>(type: "double precision", nullable: true),
                    CeilingK = table.Column<int>(type: "integer", nullable: true),
                    UnlearnedIdsJson = table.Column<string>(type: "text", nullable: false),
                    RetrainedIdsJson = table.Column<string>(type: "text", nullable: false),
                    Seconds = table.Column<double>(type: "double precision", nullable: false),
                    DetailsPath = table.Column<string>(type: "text", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ForgettingQuality", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Jobs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    Dataset = table.Column<string>(type: "text", nullable: false),
                    Architecture = table.Column<string>(type: "text", nullable: false),
                    ForgetClass = table.Column<int>(type: "integer", nullable: false),
                    ForgetSetId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Method = table.Column<string>(type: "text", nullable: true),
                    BaseExperimentId = table.Column<string>(type: "text", nullable: true),
                    HyperparametersJson = table.Column<string>(type: "text", nullable: false),
                    Seed = table.Column<long>(type: "bigint", nullable: false),
                    UploadPath = table.Column<string>(type: "text", nullable: true),
                    GroupId = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Stage = table.Column<string>(type: "text", nullable: false),
                    Step = table.Column<int>(type: "integer", nullable: false),
                    StepProgress = table.Column<double>(type: "double precision", nullable: false),
                    Progress = table.Column<double>(type: "double precision", nullable: false),
                    Epoch = table.Column<int>(type: "integer", nullable: true),
                    TotalEpochs = table.Column<int>(type: "integer", nullable: true),
                    EtaSeconds = table.Column<double>(type: "double precision", nullable: true),
                    ForgetAccuracy = table.Column<double>(type: "double precision", nullable: true),
                    RetainAccuracy = table.Column<double>(type: "double precision", nullable: true),
                    Error = table.Column<string>(type: "text", nullable: true),
                    ResultExperimentId = table.Column<string>(type: "text", nullable: true),
                    ReservedExperimentId = table.Column<string>(type: "text", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FinishedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Device = table.Column<string>(type: "text", nullable: true),
                    Owner = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Queue = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    WorkerId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    LeaseUntilUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ChangeStamp = table.Column<long>(type: "bigint", nullable: false)
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
                name: "IX_Experiments_Dataset_Architecture_ForgetSetId",
                table: "Experiments",
                columns: new[] { "Dataset", "Architecture", "ForgetSetId" });

            migrationBuilder.CreateIndex(
                name: "IX_ForgettingQuality_Dataset_Architecture_ForgetSetId",
                table: "ForgettingQuality",
                columns: new[] { "Dataset", "Architecture", "ForgetSetId" });

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
                name: "ForgetSets");

            migrationBuilder.DropTable(
                name: "ForgettingQuality");

            migrationBuilder.DropTable(
                name: "Jobs");
        }
    }
}
