using Insiders.Segmentation;
using Insiders.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Insiders.Silo.Api;

/// <summary><c>GET /api/model</c>, <c>POST /api/model/retrain</c> and <c>GET /api/segments</c>.</summary>
internal static class ModelApi
{
    public static RouteGroupBuilder MapModelApi(this RouteGroupBuilder api)
    {
        api.MapGet("/model", GetAsync)
            .WithName("GetModel")
            .WithTags("Model")
            .WithSummary("The current model card: K, silhouette, backtest capture, trained at, customers")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/segments", SegmentsAsync)
            .WithName("GetSegments")
            .WithTags("Model")
            .WithSummary("The segment profile table of the current model (empty before the first model)");
        return api;
    }

    /// <summary>The admin endpoint, outside the read group so it only carries the admin policy.</summary>
    public static IEndpointRouteBuilder MapRetrainApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/model/retrain", RetrainAsync)
            .WithName("Retrain")
            .WithTags("Model")
            .WithSummary("Retrain now: snapshot, fit, publish a new version, reclassify everyone (role 'admin')")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RequireAuthorization(ApiRoles.AdminPolicy);
        return routes;
    }

    private static ISegmentationCoordinatorGrain Coordinator(IGrainFactory grains) =>
        grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);

    private static async Task<Results<Ok<ModelCardDto>, ProblemHttpResult>> GetAsync(IGrainFactory grains)
    {
        var coordinator = Coordinator(grains);
        var model = await coordinator.GetModel();
        if (model is null)
        {
            return TypedResults.Problem("No model has been trained yet: post transactions, then retrain (or wait for the schedule).",
                statusCode: StatusCodes.Status404NotFound, title: "No model yet");
        }

        var pointer = await coordinator.GetModelVersion();
        return TypedResults.Ok(ModelViews.Card(model, pointer.Clock));
    }

    private static async Task<Ok<SegmentsDto>> SegmentsAsync(IGrainFactory grains) =>
        TypedResults.Ok(ModelViews.Segments(await Coordinator(grains).GetModel()));

    private static async Task<Ok<RetrainDto>> RetrainAsync(IGrainFactory grains, CustomerDirectory directory)
    {
        var r = await Coordinator(grains).Retrain();
        directory.Invalidate();
        return TypedResults.Ok(new RetrainDto(
            r.Version, r.AsOf, r.Customers, r.K, r.Silhouette, r.Insiders, r.Sweep.Reclassified, r.Sweep.Entered, r.Sweep.Left,
            r.Snapshot.TotalMilliseconds, r.Fit.TotalMilliseconds, r.Reclassify.TotalMilliseconds, r.Skipped,
            r.Sweep.Called, r.Sweep.Classify.TotalMilliseconds, r.Sweep.Calls.TotalMilliseconds, r.Sweep.Save.TotalMilliseconds));
    }
}
