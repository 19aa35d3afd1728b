using System.Globalization;
using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Segmentation;
using Insiders.Silo.Api.Contracts;
using Insiders.Telemetry;
using Insiders.Transactions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Insiders.Silo.Api;

/// <summary><c>GET /api/customers/{id}</c> (the real-time lookup) and <c>GET /api/customers</c> (search).</summary>
internal static class CustomersApi
{
    public static RouteGroupBuilder MapCustomersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/customers/{id}", GetAsync)
            .WithName("GetCustomer")
            .WithTags("Customers")
            .WithSummary("A customer's Insider flag, segment, features, since when, model version and why")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/customers", ListAsync)
            .WithName("ListCustomers")
            .WithTags("Customers")
            .WithSummary("All customers with purchases, by gross revenue; search by id");
        return api;
    }

    private static async Task<Results<Ok<CustomerDto>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, ModelCache models, InsidersMetrics metrics)
    {
        if (OnlineRetailReader.NormaliseCustomerId(id) is not { } customerId)
        {
            metrics.Lookup(found: false);
            return NotFound(id);
        }

        var status = await grains.Customer(customerId).GetStatus();
        metrics.Lookup(status.Known);
        if (!status.Known)
        {
            return NotFound(customerId);
        }

        var model = models.Current;
        return TypedResults.Ok(new CustomerDto(
            status.CustomerId,
            status.IsInsider,
            status.SegmentId,
            status.InsiderSince,
            status.StatusSince,
            status.ModelVersion,
            status.AsOf,
            status.Lines,
            status.Features,
            status.Why is { } why && model is not null && why.Distances.Length == model.Segments.Count ? Why(why, model) : null));
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"No customer '{id}' has sent a line.", statusCode: StatusCodes.Status404NotFound, title: "Unknown customer");

    private static WhyDto Why(Assignment a, SegmentModel model)
    {
        var distances = model.Segments.Select((s, i) => new SegmentDistanceDto(s.Id, s.IsInsider, a.Distances[i])).OrderBy(d => d.Distance).ToList();
        var insider = distances.FirstOrDefault(d => d.IsInsider);
        var other = distances.FirstOrDefault(d => !d.IsInsider);
        var c = CultureInfo.InvariantCulture;
        var margin = Percent(model.HysteresisMargin);
        var explanation = insider is null || other is null
            ? $"Nearest centre: segment {a.SegmentId}."
            : $"Nearest Insider centre: segment {insider.SegmentId} at {insider.Distance.ToString("0.###", c)}; nearest other centre: segment {other.SegmentId} at {other.Distance.ToString("0.###", c)}. " +
              (a.IsInsider
                  ? $"An Insider stays one unless another centre is closer by more than {margin}."
                  : $"A customer enters only when an Insider centre is closer by more than {margin}.") +
              (a.HeldByHysteresis ? " The margin kept the previous status." : string.Empty);
        return new WhyDto(a.SegmentId, a.IsInsider, a.HeldByHysteresis, model.HysteresisMargin, insider, other, explanation, distances);
    }

    private static async Task<Ok<CustomerPageDto>> ListAsync(CustomerDirectory directory, CancellationToken cancellationToken, string? search = null, int page = 1, int pageSize = 50)
    {
        var snapshot = await directory.GetAsync(cancellationToken);
        return TypedResults.Ok(Page(snapshot, snapshot.Rows, search, page, pageSize));
    }

    public static CustomerPageDto Page(DirectorySnapshot snapshot, IEnumerable<DirectoryRow> rows, string? search, int page, int pageSize)
    {
        var filtered = string.IsNullOrWhiteSpace(search)
            ? rows.ToList()
            : rows.Where(r => r.Features.CustomerId.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        pageSize = Math.Clamp(pageSize, 1, 1_000);
        page = Math.Max(1, page);
        var items = filtered.Skip((page - 1) * pageSize).Take(pageSize).Select(Row).ToList();
        return new CustomerPageDto(snapshot.ModelVersion, snapshot.AsOf, filtered.Count, page, pageSize, items);
    }

    private static CustomerRowDto Row(DirectoryRow r) => new(
        r.Features.CustomerId, r.SegmentId, r.IsInsider, r.Features.GrossRevenue, r.Features.NetRevenue, r.Features.QtyInvoices,
        r.Features.QtyProducts, r.Features.RecencyDays, r.Features.Frequency, r.Features.AvgTicket);

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
