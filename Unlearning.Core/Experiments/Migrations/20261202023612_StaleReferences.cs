using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Unlearning.Core.Experiments.Migrations
{
    /// <inheritdoc />
    public partial class StaleReferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ReferenceOriginalSha256",
                table: "Experiments",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReferenceRetrainedSha256",
                table: "Experiments",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            // Rows from before references were recorded (docs/results-format.md, "Stale results"): a model built or
            // evaluated on this server (it has a checkpoint) is taken as measured against the baselines stored now, before
            // this start checks the shipped checkpoints again. The first Retrained model of a set is a reference itself and
            // imported rows (no checkpoint) were measured elsewhere: they stay unknown.
            migrationBuilder.Sql("""
                UPDATE "Experiments" SET
                    "ReferenceOriginalSha256" = (SELECT o."CheckpointSha256" FROM "Experiments" AS o
                        WHERE o."Type" = 'Original' AND o."Dataset" = "Experiments"."Dataset"
                          AND o."Architecture" = "Experiments"."Architecture" AND o."ForgetSetId" = "Experiments"."ForgetSetId"),
                    "ReferenceRetrainedSha256" = (SELECT r."CheckpointSha256" FROM "Experiments" AS r
                        WHERE r."Type" = 'Retrained' AND r."Id" NOT LIKE '%-seed%' AND r."Dataset" = "Experiments"."Dataset"
                          AND r."Architecture" = "Experiments"."Architecture" AND r."ForgetSetId" = "Experiments"."ForgetSetId")
                WHERE "CheckpointPath" IS NOT NULL AND "ForgetSetId" <> ''
                  AND ("Type" IN ('Unlearned', 'Uploaded') OR ("Type" = 'Retrained' AND "Id" LIKE '%-seed%'));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ReferenceOriginalSha256",
                table: "Experiments");

            migrationBuilder.DropColumn(
                name: "ReferenceRetrainedSha256",
                table: "Experiments");
        }
    }
}
